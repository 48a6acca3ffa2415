package io.pooler.admin.metrics;

import io.pooler.stats.LatencyListener;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One pool's three duration histograms for Prometheus (query, transaction, a client's wait for a
 * server): cumulative bucket counts, count, sum and a recent maximum, recorded by every event loop that
 * serves the pool and added up at each scrape.
 *
 * <p>Threads: each recording thread writes counts of its own ({@link LoopCounts}, found through a
 * {@code ThreadLocal}) and no other thread writes them; the scrape reads every thread's with opaque
 * reads (no torn longs; a count a moment old is as good as the next scrape's). Nothing is shared
 * between the loops on the recording path.
 *
 * <p>NOTE: Micrometer's Timer, which these replace, updated shared atomics on every record (LongAdders,
 * an AtomicLongArray of buckets, and a compare-and-set loop over its windowed maximum):
 * StatsRecordingBench measured 539 ns per query with metrics on from one thread and 1,569 ns from two
 * threads sharing a pool, as two event loops do. Micrometer has no meter whose buckets a function
 * supplies, so {@link DurationCollector} exports these through the Prometheus registry under the names
 * and labels the Timers had.
 */
final class PoolDurations implements LatencyListener {
    enum Kind { QUERY, TRANSACTION, WAIT }

    /**
     * The maximum covers the running minute and the one before it: recent, as Micrometer's Timer's
     * maximum was (2 minutes by default), and cheap to keep per thread.
     */
    static final long MAX_WINDOW_NANOS = 60_000_000_000L;

    private final long[] upperBoundsNanos;
    private final ThreadLocal<LoopCounts> own = ThreadLocal.withInitial(this::newLoopCounts);
    private final List<LoopCounts> loops = new CopyOnWriteArrayList<>();

    /** @param upperBoundsNanos the buckets' upper bounds, ascending; a last bucket takes what is above them */
    PoolDurations(long[] upperBoundsNanos) {
        this.upperBoundsNanos = upperBoundsNanos.clone();
    }

    @Override
    public void queryDone(long nanos) {
        own.get().record(Kind.QUERY, nanos, System.nanoTime());
    }

    @Override
    public void transactionDone(long nanos) {
        own.get().record(Kind.TRANSACTION, nanos, System.nanoTime());
    }

    @Override
    public void serverAssigned(long waitNanos) {
        own.get().record(Kind.WAIT, waitNanos, System.nanoTime());
    }

    /** Every thread's counts of {@code kind} added up, as they are now; any thread. */
    Totals totals(Kind kind, long nowNanos) {
        long[] buckets = new long[upperBoundsNanos.length + 1];
        long count = 0;
        long sum = 0;
        long max = 0;
        for (LoopCounts loop : loops) {
            int base = loop.base(kind);
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] += loop.read(base + i);
            }
            count += loop.read(base + loop.countAt());
            sum += loop.read(base + loop.sumAt());
            max = Math.max(max, loop.recentMax(kind, nowNanos));
        }
        return new Totals(buckets, count, sum, max);
    }

    private LoopCounts newLoopCounts() {
        LoopCounts counts = new LoopCounts(upperBoundsNanos);
        loops.add(counts);
        return counts;
    }

    /**
     * @param buckets the number of values in each bucket (not cumulative); the last one is above every bound
     * @param sumNanos the values added up
     * @param recentMaxNanos the largest value in the running minute and the one before it
     */
    record Totals(long[] buckets, long count, long sumNanos, long recentMaxNanos) {
    }

    /**
     * One thread's counts of the three kinds in one array, written by that thread only. Per kind: a
     * count per bucket, then the count, the sum, the minute the maxima are of, the running minute's
     * maximum and the one before's.
     */
    static final class LoopCounts {
        private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

        private final long[] bounds;
        private final int stride;
        private final long[] values;

        LoopCounts(long[] bounds) {
            this.bounds = bounds;
            this.stride = bounds.length + 6;
            this.values = new long[stride * Kind.values().length];
        }

        void record(Kind kind, long nanos, long nowNanos) {
            long value = Math.max(0, nanos);
            int base = base(kind);
            add(base + bucketOf(value), 1);
            add(base + countAt(), 1);
            add(base + sumAt(), value);
            long minute = Math.floorDiv(nowNanos, MAX_WINDOW_NANOS);
            int minuteAt = base + sumAt() + 1;
            long seen = values[minuteAt];
            if (minute != seen) {
                // A new minute: the running one's maximum becomes the one before (nothing if a minute passed unseen).
                LONGS.setOpaque(values, minuteAt + 2, minute == seen + 1 ? values[minuteAt + 1] : 0L);
                LONGS.setOpaque(values, minuteAt + 1, 0L);
                LONGS.setOpaque(values, minuteAt, minute);
            }
            if (value > values[minuteAt + 1]) {
                LONGS.setOpaque(values, minuteAt + 1, value);
            }
        }

        /** The largest value of {@code kind} in the minute of {@code nowNanos} and the one before it. */
        long recentMax(Kind kind, long nowNanos) {
            long minute = Math.floorDiv(nowNanos, MAX_WINDOW_NANOS);
            int minuteAt = base(kind) + sumAt() + 1;
            long seen = read(minuteAt);
            long running = read(minuteAt + 1);
            long before = read(minuteAt + 2);
            if (seen == minute) {
                return Math.max(running, before);
            }
            return seen == minute - 1 ? running : 0;
        }

        private int bucketOf(long value) {
            for (int i = 0; i < bounds.length; i++) {
                if (value <= bounds[i]) {
                    return i;
                }
            }
            return bounds.length;
        }

        /** This thread is the only writer: a plain read of its own value, an opaque write for the scrape. */
        private void add(int at, long delta) {
            LONGS.setOpaque(values, at, values[at] + delta);
        }

        long read(int at) {
            return (long) LONGS.getOpaque(values, at);
        }

        int base(Kind kind) {
            return kind.ordinal() * stride;
        }

        int countAt() {
            return bounds.length + 1;
        }

        int sumAt() {
            return bounds.length + 2;
        }
    }
}
