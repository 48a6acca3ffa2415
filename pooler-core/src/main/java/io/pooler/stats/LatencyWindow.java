package io.pooler.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One latency (query, transaction or wait time) recorded from any thread, and read back as the
 * histogram of the current stats window: the last completed stats period plus the running one, the
 * same window PgBouncer's averages cover.
 *
 * <p>Threads: {@link #record} is called on the hot path from every event loop, each into a recorder of
 * its own thread (HdrHistogram's {@link SingleWriterRecorder}); the rest is synchronized and runs on
 * the stats timer or an admin command, which gathers every thread's recorder.
 *
 * <p>NOTE: one recorder for all loops (HdrHistogram's {@code Recorder}) made both loops increment the
 * same atomic counters for every query, transaction and server assignment: StatsRecordingBench measured
 * 244 ns per query on one thread and 3,196 ns on two threads sharing a pool, as two loops do; and its
 * rare paths (a histogram resized, a new maximum) sent the relay code it was compiled into back to the
 * interpreter. Each thread's recorder is packed (it holds only the buckets it has used), so that one
 * per loop costs less memory than the one shared recorder's two full-size histograms did.
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
        own.get().recorder.recordValue(Math.max(0, micros));
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
            r.recycled = r.recorder.getIntervalHistogram(r.recycled);
            current.add(r.recycled);
        }
    }

    private ThreadRecorder newThreadRecorder() {
        ThreadRecorder r = new ThreadRecorder();
        recorders.add(r);
        return r;
    }

    /** One thread's recorder, and the histogram the reader hands back to it at each drain. */
    private static final class ThreadRecorder {
        final SingleWriterRecorder recorder = new SingleWriterRecorder(DIGITS, true);
        /** Read and written by the reader only, under the window's lock. */
        Histogram recycled;
    }

    /** p50, p95 and p99 of a histogram; zeros when it is empty. */
    public static Percentiles percentiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return Percentiles.ZERO;
        }
        return new Percentiles(h.getValueAtPercentile(50), h.getValueAtPercentile(95), h.getValueAtPercentile(99));
    }
}
