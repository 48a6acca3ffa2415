package io.pooler.bench.fleet;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The round trip of each statement the fleet sends, by kind: what a request's latency is made of, so a
 * difference between two poolers' request latencies can be traced to the statements (and logins) it
 * comes from. A kind is the statement's first word ({@code BEGIN}, {@code SELECT}, {@code COMMIT} ...),
 * plus the post-commit notify's two parts, its login and its query. Recorded from any of the fleet's
 * event loops (HdrHistogram's {@link Recorder} takes concurrent writers); read per measured interval.
 */
final class StatementRoundTrips {
    /** The notify's fresh login to postgres: TCP connect, StartupMessage, SCRAM exchange, welcome. */
    static final String NOTIFY_LOGIN = "notify login";
    /** The notify's {@code SELECT pg_notify(...)} on that connection. */
    static final String NOTIFY_QUERY = "notify query";
    /** The kinds in the order a request sends them; a kind not listed goes last. */
    private static final List<String> ORDER = List.of("DISCARD", "BEGIN", "SELECT", "SAVEPOINT", "UPDATE", "RELEASE",
            "INSERT", "COMMIT", NOTIFY_LOGIN, NOTIFY_QUERY);

    private final Map<String, Recorder> recorders = new LinkedHashMap<>();

    StatementRoundTrips() {
        ORDER.forEach(kind -> recorders.put(kind, new Recorder(3)));
    }

    static String kindOf(String sql) {
        int space = sql.indexOf(' ');
        return (space < 0 ? sql : sql.substring(0, space)).toUpperCase(Locale.ROOT);
    }

    /** One round trip; kinds outside {@link #ORDER} are not kept (the fleet sends none). */
    void record(String kind, long nanos) {
        Recorder r = recorders.get(kind);
        if (r != null) {
            r.recordValue(Math.max(1, nanos / 1000));
        }
    }

    /** What was recorded since the last call, per kind, in microseconds; kinds with no round trip are left out. */
    Map<String, Histogram> interval() {
        Map<String, Histogram> out = new LinkedHashMap<>();
        recorders.forEach((kind, r) -> {
            Histogram h = r.getIntervalHistogram();
            if (h.getTotalCount() > 0) {
                out.put(kind, h);
            }
        });
        return Collections.unmodifiableMap(out);
    }
}
