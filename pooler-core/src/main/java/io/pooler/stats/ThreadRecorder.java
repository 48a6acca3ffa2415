package io.pooler.stats;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntCountsHistogram;
import org.HdrHistogram.WriterReaderPhaser;

/**
 * One thread's latency recorder: values recorded by that thread alone, taken whole by a reader on any
 * other thread. What HdrHistogram's {@code SingleWriterRecorder} does, with the same
 * {@link WriterReaderPhaser} to hand the histogram over, but with plain (not packed) buckets of int
 * counts, which its API does not offer.
 *
 * <p>Why not packed: a packed histogram finds a bucket through a small tree of indexes; on an event
 * loop, whose caches PostgreSQL and the clients empty between two transactions, that walk cost some
 * 140 ns a value, three values a transaction: 12 % of the loop's user time under pgbench -S
 * (async-profiler). A plain bucket is one array slot. Int counts take half the memory of long ones, and
 * a recorder is taken at every stats period and every read, so a count would need more than two
 * billion values of one bucket between two of those.
 *
 * <p>Memory: one histogram, with buckets up to the largest value recorded so far, which HdrHistogram
 * estimates at 2.5 KB for values up to 1 ms, 8 KB up to 2 s and 12.5 KB up to 1,000 s (the packed
 * recorder's two histograms: 3 to 11 KB for values spread over the same ranges).
 *
 * <p>NOTE: the reader, not the writer, makes the histogram that replaces the one it takes, with the
 * same range. The writer's code then has no branch it takes only once a period: a histogram made or
 * grown on the event loop after a take was a path the compiled relay had never seen, and taking it
 * sent the whole compiled loop back to the interpreter (-XX:+PrintCompilation, at the first stats period).
 *
 * <p>Threads: {@link #record} on the owning thread only; {@link #takeInto} on any thread, one at a time
 * (the caller's lock).
 */
final class ThreadRecorder {
    private final int digits;
    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    /** What the writer records into; replaced by the reader only. */
    private volatile AbstractHistogram active;

    ThreadRecorder(int digits) {
        this.digits = digits;
        this.active = new IntCountsHistogram(digits);
    }

    /** On the owning thread. */
    void record(long value) {
        long critical = phaser.writerCriticalSectionEnter();
        try {
            active.recordValue(value);
        } finally {
            phaser.writerCriticalSectionExit(critical);
        }
    }

    /** Adds what was recorded since the last take to {@code into}; the writer starts afresh. */
    void takeInto(Histogram into) {
        phaser.readerLock();
        try {
            AbstractHistogram taken = active;
            if (taken.getTotalCount() == 0) {
                return; // nothing to hand over (a racing first value is taken next time)
            }
            active = sameRange(taken);
            phaser.flipPhase(); // a writer still recording into the taken histogram is done after this
            into.add(taken);
        } finally {
            phaser.readerUnlock();
        }
    }

    /** An empty histogram covering what {@code h} covers, still growing if a larger value comes. */
    private AbstractHistogram sameRange(AbstractHistogram h) {
        IntCountsHistogram fresh = new IntCountsHistogram(1, Math.max(2, h.getHighestTrackableValue()), digits);
        fresh.setAutoResize(true);
        return fresh;
    }

    /** The range the writer's histogram covers now (for the test). */
    long highestTrackableValue() {
        return active.getHighestTrackableValue();
    }
}
