package io.pooler.bench.load;

import org.HdrHistogram.Histogram;

import java.util.List;

/**
 * What one measured interval of load gave.
 *
 * @param latencyMicros every transaction completed in the interval, in microseconds from when it was due
 * @param errors ErrorResponses, failed logins and connections lost, in the interval
 * @param stalledClients clients whose transaction had been running longer than the interval when it ended
 */
public record LoadResult(Histogram latencyMicros, long errors, List<String> errorSamples, double seconds,
                         int stalledClients) {

    public long transactions() {
        return latencyMicros.getTotalCount();
    }

    public double tps() {
        return seconds > 0 ? transactions() / seconds : 0;
    }
}
