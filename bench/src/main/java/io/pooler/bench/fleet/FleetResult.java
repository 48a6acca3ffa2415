package io.pooler.bench.fleet;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Map;

/**
 * What one measured interval of fleet load gave.
 *
 * @param requestMicros every HTTP request completed in the interval, from when it was due to the end of
 *     its post-commit notify, in microseconds
 * @param waitMicros the round trip of each transaction's BEGIN, in microseconds: with transaction pooling
 *     the pooler lends a server when BEGIN arrives, so this is the wait for a server plus one round trip
 * @param statementMicros the round trip of every statement, by kind ({@link StatementRoundTrips}), in microseconds
 * @param errors ErrorResponses other than the retried concurrency failures, failed logins, lost connections
 * @param retries requests run again after a serialization failure, deadlock or NOWAIT lock failure, as Odoo does
 * @param notificationsReceived NotificationResponses on the gevent processes' LISTEN connections
 *     (each notify reaches every host's gevent process)
 * @param stalled workers whose request had been running longer than the interval when it ended
 */
public record FleetResult(Histogram requestMicros, Histogram waitMicros, Map<String, Histogram> statementMicros,
                          double seconds, long errors, long retries, long notifies, long notificationsReceived,
                          long busReads, long cronJobs, int stalled, List<String> errorSamples) {

    public long requests() {
        return requestMicros.getTotalCount();
    }

    public double requestsPerSecond() {
        return seconds > 0 ? requests() / seconds : 0;
    }

    public static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }
}
