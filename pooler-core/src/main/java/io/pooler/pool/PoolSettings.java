package io.pooler.pool;

import io.pooler.config.PoolMode;

import java.time.Duration;

/**
 * The limits and timeouts one pool works with, resolved from the config (user entry, then database
 * entry, then the global default). Immutable; a reload swaps in a new one.
 *
 * @param maxDbConnections   servers of this database across all its pools; 0 is unlimited
 * @param maxUserConnections servers of this user across all its pools; 0 is unlimited
 * @param serverCheckDelay   an idle server unused for longer runs server_check_query before reuse
 * @param pinOnSessionState  in transaction and statement mode, a client holding session state keeps its server
 * @param listenMultiplex    in transaction and statement mode, LISTEN is served by the pool's listener
 * @param forcedUser         the database entry names its own {@code user}: min_pool_size is kept even
 *                           with no client, as PgBouncer keeps it
 * @param serverRoundRobin   server_round_robin: idle servers are lent oldest first (FIFO) instead of
 *                           the most recently used first (LIFO)
 */
public record PoolSettings(
        PoolMode poolMode,
        int poolSize,
        int minPoolSize,
        int reservePoolSize,
        Duration reservePoolTimeout,
        int maxDbConnections,
        int maxUserConnections,
        Duration serverIdleTimeout,
        Duration serverLifetime,
        Duration serverLoginRetry,
        Duration queryWaitTimeout,
        Duration serverCheckDelay,
        boolean pinOnSessionState,
        boolean listenMultiplex,
        boolean forcedUser,
        boolean serverRoundRobin) {

    /** Settings of a pool whose database entry has no forced user. */
    public PoolSettings(PoolMode poolMode, int poolSize, int minPoolSize, int reservePoolSize, Duration reservePoolTimeout,
                        int maxDbConnections, int maxUserConnections, Duration serverIdleTimeout, Duration serverLifetime,
                        Duration serverLoginRetry, Duration queryWaitTimeout, Duration serverCheckDelay,
                        boolean pinOnSessionState, boolean listenMultiplex) {
        this(poolMode, poolSize, minPoolSize, reservePoolSize, reservePoolTimeout, maxDbConnections, maxUserConnections,
                serverIdleTimeout, serverLifetime, serverLoginRetry, queryWaitTimeout, serverCheckDelay,
                pinOnSessionState, listenMultiplex, false, false);
    }
}
