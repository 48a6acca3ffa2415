package io.pooler.stats;

import org.HdrHistogram.Histogram;

/**
 * The query, transaction and wait-time histograms of the current stats window, for one pool or added up
 * over several (SHOW STATS adds a database's pools together). Values in microseconds.
 */
public record LatencyHistograms(Histogram queryTime, Histogram xactTime, Histogram waitTime) {

    public static LatencyHistograms empty() {
        return new LatencyHistograms(new Histogram(2), new Histogram(2), new Histogram(2));
    }

    /** Adds {@code other} into this one's histograms and returns this. */
    public LatencyHistograms add(LatencyHistograms other) {
        queryTime.add(other.queryTime);
        xactTime.add(other.xactTime);
        waitTime.add(other.waitTime);
        return this;
    }

    public Percentiles queryPercentiles() {
        return LatencyWindow.percentiles(queryTime);
    }

    public Percentiles xactPercentiles() {
        return LatencyWindow.percentiles(xactTime);
    }

    public Percentiles waitPercentiles() {
        return LatencyWindow.percentiles(waitTime);
    }
}
