package io.pooler.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One latency (query, transaction or wait time) recorded from any thread into an HdrHistogram
 * {@link Recorder}, and read back as the histogram of the current stats window: the last completed
 * stats period plus the running one, the same window PgBouncer's averages cover.
 *
 * <p>Threads: {@link #record} is wait-free and called on the hot path from every event loop; the rest
 * is synchronized and runs on the stats timer or an admin command.
 */
public final class LatencyWindow {
    /** Two significant digits: percentiles within 1%, in a few kilobytes per histogram. */
    private static final int DIGITS = 2;

    private final Recorder recorder = new Recorder(DIGITS);
    private Histogram previous = new Histogram(DIGITS);
    private Histogram current = new Histogram(DIGITS);
    private Histogram recycled;

    /** Records one value in microseconds; any thread. */
    public void record(long micros) {
        recorder.recordValue(Math.max(0, micros));
    }

    /** Ends the running stats period: it becomes the previous one. */
    public synchronized void rotate() {
        drain();
        previous = current;
        current = new Histogram(DIGITS);
    }

    /** A copy of the window's histogram (previous period plus the running one). */
    public synchronized Histogram window() {
        drain();
        Histogram copy = previous.copy();
        copy.add(current);
        return copy;
    }

    private void drain() {
        recycled = recorder.getIntervalHistogram(recycled);
        current.add(recycled);
    }

    /** p50, p95 and p99 of a histogram; zeros when it is empty. */
    public static Percentiles percentiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return Percentiles.ZERO;
        }
        return new Percentiles(h.getValueAtPercentile(50), h.getValueAtPercentile(95), h.getValueAtPercentile(99));
    }
}
