package io.pooler.stats;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One latency (query, transaction or wait time) recorded from any thread, and read back as the
 * histogram of the current stats window: the last completed stats period plus the running one, the
 * same window PgBouncer's averages cover.
 *
 * <p>Threads: {@link #record} is called on the hot path from every event loop, each into a recorder of
 * its own thread ({@link ThreadRecorder}); the rest is synchronized and runs on the stats timer or an
 * admin command, which gathers every thread's recorder.
 *
 * <p>NOTE: one recorder for all loops (HdrHistogram's {@code Recorder}) made both loops increment the
 * same atomic counters for every query, transaction and server assignment: StatsRecordingBench measured
 * 244 ns per query on one thread and 3,196 ns on two threads sharing a pool, as two loops do; and its
 * rare paths (a histogram resized, a new maximum) sent the relay code it was compiled into back to the
 * interpreter. A thread's recorder holds plain int buckets up to the largest value it has recorded
 * (ThreadRecorder says why not packed ones).
 */
public final class LatencyWindow {
    /** Two significant digits: percentiles within 1%, in a few kilobytes per histogram. */
    private static final int DIGITS = 2;

    private final ThreadLocal<ThreadRecorder> own = ThreadLocal.withInitial(this::newThreadRecorder);
    /** Every thread's recorder, for the reader. */
    private final List<ThreadRecorder> recorders = new CopyOnWriteArrayList<>();
    private Histogram previous = new Histogram(DIGITS);
    private Histogram current = new Histogram(DIGITS);

    /** Records one value in microseconds; any thread, each into its own recorder. */
    public void record(long micros) {
        own.get().record(Math.max(0, micros));
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
        for (ThreadRecorder r : recorders) {
            r.takeInto(current);
        }
    }

    private ThreadRecorder newThreadRecorder() {
        ThreadRecorder r = new ThreadRecorder(DIGITS);
        recorders.add(r);
        return r;
    }

    /** p50, p95 and p99 of a histogram; zeros when it is empty. */
    public static Percentiles percentiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return Percentiles.ZERO;
        }
        return new Percentiles(h.getValueAtPercentile(50), h.getValueAtPercentile(95), h.getValueAtPercentile(99));
    }
}
