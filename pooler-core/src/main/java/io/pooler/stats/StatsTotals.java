package io.pooler.stats;

/**
 * The running totals of one pool, or of several added up, at one moment: what SHOW STATS_TOTALS prints.
 * Times are in microseconds, as PgBouncer reports them. The prepared-statement counts are those of
 * max_prepared_statements tracking (named statements in transaction and statement pooling); the login
 * count is PgBouncer's client_login_count (its master, after 1.25.2).
 */
public record StatsTotals(
        long serverAssignmentCount,
        long xactCount,
        long queryCount,
        long bytesReceived,
        long bytesSent,
        long xactTimeMicros,
        long queryTimeMicros,
        long waitTimeMicros,
        long clientParseCount,
        long serverParseCount,
        long bindCount,
        long clientLoginCount) {

    public static final StatsTotals ZERO = new StatsTotals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public StatsTotals plus(StatsTotals o) {
        return new StatsTotals(serverAssignmentCount + o.serverAssignmentCount, xactCount + o.xactCount,
                queryCount + o.queryCount, bytesReceived + o.bytesReceived, bytesSent + o.bytesSent,
                xactTimeMicros + o.xactTimeMicros, queryTimeMicros + o.queryTimeMicros,
                waitTimeMicros + o.waitTimeMicros, clientParseCount + o.clientParseCount,
                serverParseCount + o.serverParseCount, bindCount + o.bindCount,
                clientLoginCount + o.clientLoginCount);
    }

    /**
     * PgBouncer's averages since {@code older} was taken {@code micros} ago: counts and bytes per second,
     * times per query, per transaction and per server assignment.
     */
    public StatsAverages averageSince(StatsTotals older, long micros) {
        if (micros <= 0) {
            return StatsAverages.ZERO;
        }
        long queries = queryCount - older.queryCount;
        long xacts = xactCount - older.xactCount;
        long assignments = serverAssignmentCount - older.serverAssignmentCount;
        return new StatsAverages(
                perSecond(assignments, micros),
                perSecond(xacts, micros),
                perSecond(queries, micros),
                perSecond(bytesReceived - older.bytesReceived, micros),
                perSecond(bytesSent - older.bytesSent, micros),
                xacts > 0 ? (xactTimeMicros - older.xactTimeMicros) / xacts : 0,
                queries > 0 ? (queryTimeMicros - older.queryTimeMicros) / queries : 0,
                assignments > 0 ? (waitTimeMicros - older.waitTimeMicros) / assignments : 0,
                perSecond(clientParseCount - older.clientParseCount, micros),
                perSecond(serverParseCount - older.serverParseCount, micros),
                perSecond(bindCount - older.bindCount, micros),
                perSecond(clientLoginCount - older.clientLoginCount, micros));
    }

    private static long perSecond(long delta, long micros) {
        return delta * 1_000_000L / micros;
    }
}
