package io.pooler.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.Arrays;

/**
 * One latency (query, transaction or wait time) recorded on the event loops, and read back as the
 * histogram of the current stats window: the last completed stats period plus the running one, the
 * same window PgBouncer's averages cover.
 *
 * <p>Threads: each recording thread (a pool's shards' event loops) writes to an HdrHistogram
 * {@link SingleWriterRecorder} of its own, so that two loops recording the same pool's query times do
 * not fight over the same counters: one {@link Recorder} shared by two loops cost about 3 µs per query
 * where one loop alone paid 0.25 µs ({@code StatsRecordingBench}, "2 threads"). After
 * {@value #MAX_WRITERS} writer threads (there are as many as event loops in the daemon; tests start many)
 * the others share one concurrent {@link Recorder}. {@link #record} is wait-free once a thread has its
 * recorder; the rest is synchronized and runs on the stats timer or an admin command.
 */
public final class LatencyWindow {
    /** Two significant digits: percentiles within 1%, in a few kilobytes per histogram. */
    private static final int DIGITS = 2;
    /** Recorders of their own for this many threads; more than any event loop count we ship. */
    static final int MAX_WRITERS = 16;

    /** Copy on write: a thread joins under the lock, {@link #record} reads without it. */
    private volatile Writer[] writers = new Writer[0];
    private final Recorder shared = new Recorder(DIGITS);
    private Histogram sharedRecycled;
    private Histogram previous = new Histogram(DIGITS);
    private Histogram current = new Histogram(DIGITS);

    /** Records one value in microseconds; any thread. */
    public void record(long micros) {
        long value = Math.max(0, micros);
        Thread thread = Thread.currentThread();
        for (Writer writer : writers) {
            if (writer.thread == thread) {
                writer.recorder.recordValue(value);
                return;
            }
        }
        Writer joined = join(thread);
        if (joined != null) {
            joined.recorder.recordValue(value);
        } else {
            shared.recordValue(value);
        }
    }

    /** This thread's own recorder from now on, or null when {@value #MAX_WRITERS} threads have one. */
    private synchronized Writer join(Thread thread) {
        Writer[] now = writers;
        if (now.length >= MAX_WRITERS) {
            return null;
        }
        Writer writer = new Writer(thread);
        Writer[] grown = Arrays.copyOf(now, now.length + 1);
        grown[now.length] = writer;
        writers = grown;
        return writer;
    }

    /** How many threads record into a recorder of their own (for tests). */
    int ownWriters() {
        return writers.length;
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
        for (Writer writer : writers) {
            writer.recycled = writer.recorder.getIntervalHistogram(writer.recycled);
            current.add(writer.recycled);
        }
        sharedRecycled = shared.getIntervalHistogram(sharedRecycled);
        current.add(sharedRecycled);
    }

    /** p50, p95 and p99 of a histogram; zeros when it is empty. */
    public static Percentiles percentiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return Percentiles.ZERO;
        }
        return new Percentiles(h.getValueAtPercentile(50), h.getValueAtPercentile(95), h.getValueAtPercentile(99));
    }

    /** One recording thread and its recorder; {@code recycled} is touched only under the window's lock. */
    private static final class Writer {
        final Thread thread;
        final SingleWriterRecorder recorder = new SingleWriterRecorder(DIGITS);
        Histogram recycled;

        Writer(Thread thread) {
            this.thread = thread;
        }
    }
}
