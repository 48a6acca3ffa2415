package io.pooler.admin.advice;

import io.pooler.config.PoolMode;
import io.pooler.stats.LoadSummary;
import io.pooler.stats.Percentiles;

/**
 * Everything SHOW ADVICE knows of one pool: its settings, what else shares its limits, and its stats
 * over the current stats window. A plain value, so each rule is a pure function of it and a test can
 * script one.
 *
 * @param poolSizeSetting    where pool_size comes from, as the operator would edit it
 *                           ({@code default_pool_size}, {@code [databases] shop pool_size}, ...)
 * @param otherDbServers     servers open now in the database's other pools (they count against
 *                           max_db_connections too)
 * @param otherUserServers   servers open now in the user's other pools (max_user_connections)
 * @param windowMicros       how long the stats window lasts
 * @param transactions       transactions in the window (queries in statement mode): each holds a server
 * @param meanXactMicros     mean transaction time (query time in statement mode), from the client's
 *                           first message, so a wait for a server is part of it
 * @param assignments        servers handed to clients in the window
 * @param meanWaitMicros     mean wait for a server, per assignment
 * @param waitTime           wait-time percentiles over the window
 * @param xactTime           transaction-time (statement mode: query-time) percentiles over the window
 */
public record PoolLoad(
        String database,
        String user,
        PoolMode poolMode,
        int poolSize,
        String poolSizeSetting,
        int reservePoolSize,
        String reservePoolSetting,
        long reservePoolTimeoutMicros,
        int maxDbConnections,
        String maxDbSetting,
        int otherDbServers,
        int maxUserConnections,
        String maxUserSetting,
        int otherUserServers,
        long queryWaitTimeoutMicros,
        long windowMicros,
        long transactions,
        long meanXactMicros,
        long assignments,
        long meanWaitMicros,
        Percentiles waitTime,
        Percentiles xactTime,
        LoadSummary load) {

    public double windowSeconds() {
        return windowMicros / 1e6;
    }

    /** Transactions (statement mode: queries) per second over the window. */
    public double arrivalRate() {
        return windowMicros <= 0 ? 0 : transactions / windowSeconds();
    }

    /** Server assignments per second over the window. */
    public double assignmentRate() {
        return windowMicros <= 0 ? 0 : assignments / windowSeconds();
    }
}
