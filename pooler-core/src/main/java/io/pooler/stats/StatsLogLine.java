package io.pooler.stats;

/** PgBouncer's periodic stats line (log_stats), word for word, so log parsers built for it keep working. */
public final class StatsLogLine {
    private StatsLogLine() {
    }

    public static String format(StatsAverages avg) {
        return "stats: " + avg.xactCount() + " xacts/s, " + avg.queryCount() + " queries/s, "
                + avg.clientParseCount() + " client parses/s, " + avg.serverParseCount() + " server parses/s, "
                + avg.bindCount() + " binds/s, in " + avg.bytesReceived() + " B/s, out " + avg.bytesSent() + " B/s, xact "
                + avg.xactTimeMicros() + " us, query " + avg.queryTimeMicros() + " us, wait " + avg.waitTimeMicros() + " us";
    }
}
