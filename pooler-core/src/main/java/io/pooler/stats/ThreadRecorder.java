package io.pooler.stats;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntCountsHistogram;
import org.HdrHistogram.WriterReaderPhaser;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's latency recorder: values recorded by that thread alone, taken whole by a reader on any
 * other thread. What HdrHistogram's {@code SingleWriterRecorder} does, with the same
 * {@link WriterReaderPhaser} to hand the histogram over, but with two differences that its API does not
 * offer:
 *
 * <ul>
 *   <li>Plain (not packed) buckets of int counts. A packed histogram finds a bucket through a small tree
 *       of indexes; on an event loop, whose caches PostgreSQL and the clients empty between two
 *       transactions, that walk cost some 140 ns a value, three values a transaction: 12 % of the loop's
 *       user time under pgbench -S (async-profiler). A plain bucket is one array slot. Int counts take
 *       half the memory of long ones, and a recorder is drained at every stats period and every read, so
 *       a count would need more than two billion values of one bucket between two of those.</li>
 *   <li>No histogram while nothing is recorded: the reader takes the histogram away and leaves none, and
 *       the writer makes a new one at its next value. A pool idle on a loop for a stats period holds no
 *       buckets there. A busy one holds buckets up to its largest value, which HdrHistogram estimates at
 *       2.5 KB for values up to 1 ms, 8 KB up to 2 s and 12.5 KB up to 1,000 s (the packed recorder's
 *       two histograms: 3 to 11 KB for values spread over the same ranges).</li>
 * </ul>
 *
 * <p>Threads: {@link #record} on the owning thread only; {@link #takeInto} on any thread, one at a time
 * (the caller's lock).
 */
final class ThreadRecorder {
    private static final VarHandle ACTIVE;

    static {
        try {
            ACTIVE = MethodHandles.lookup().findVarHandle(ThreadRecorder.class, "active", AbstractHistogram.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int digits;
    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    /** What the writer records into; null until its first value after a take. */
    private volatile AbstractHistogram active;

    ThreadRecorder(int digits) {
        this.digits = digits;
    }

    /** On the owning thread. */
    void record(long value) {
        long critical = phaser.writerCriticalSectionEnter();
        try {
            AbstractHistogram h = active;
            if (h == null) {
                h = new IntCountsHistogram(digits);
                active = h; // a reader's getAndSet either took null before this, or takes this one
            }
            h.recordValue(value);
        } finally {
            phaser.writerCriticalSectionExit(critical);
        }
    }

    /** Adds what was recorded since the last take to {@code into}; the writer starts afresh. */
    void takeInto(Histogram into) {
        phaser.readerLock();
        try {
            AbstractHistogram taken = (AbstractHistogram) ACTIVE.getAndSet(this, (AbstractHistogram) null);
            phaser.flipPhase(); // a writer still recording into the taken histogram is done after this
            if (taken != null) {
                into.add(taken);
            }
        } finally {
            phaser.readerUnlock();
        }
    }

    /** Whether a histogram is held now (for the memory test). */
    boolean holdsHistogram() {
        return active != null;
    }
}
