package io.pooler.stats;

/**
 * Averages over the current stats window, as SHOW STATS_AVERAGES prints them: counts and bytes per
 * second; transaction, query and wait times in microseconds per transaction, query and assignment.
 */
public record StatsAverages(
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

    public static final StatsAverages ZERO = new StatsAverages(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
