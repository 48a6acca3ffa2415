package io.pooler.bench.fleet;

import java.util.SplittableRandom;

/**
 * When one process's requests arrive: Poisson arrivals drawn from a seeded stream during the warm-up,
 * and from a second one, split off before any draw, once measuring starts. So every target is measured
 * under the same arrivals, however long its warm-up ran (the load before measuring repeats while
 * Pooler's JIT compiler is busy, so one target's warm-up may be six times another's, and one stream for
 * both would give each target another stretch of it to be measured on). Used on one thread.
 */
final class Arrivals {
    private final double meanSeconds;
    private final SplittableRandom measured;
    private SplittableRandom random;
    private long next;

    Arrivals(SplittableRandom seeds, double meanSeconds) {
        this.random = seeds.split();
        this.measured = seeds.split();
        this.meanSeconds = meanSeconds;
    }

    /** Draws the first arrival after {@code nowNanos}. */
    void start(long nowNanos) {
        next = nowNanos + OdooTraffic.exponentialNanos(random, meanSeconds);
    }

    /** The next arrival's nanoTime; the one after it is drawn. */
    long take() {
        long at = next;
        next += OdooTraffic.exponentialNanos(random, meanSeconds);
        return at;
    }

    /** From now on the measured stream: draws the first arrival after {@code nowNanos} from it. */
    void startMeasured(long nowNanos) {
        random = measured;
        start(nowNanos);
    }
}
