package io.pooler.stats;

/**
 * The stats window all pools share, as PgBouncer keeps it: every {@code stats_period} the window moves
 * on to start at the previous period boundary, so averages cover between one and two periods and are
 * never taken over a moment. Totals are since process start and never reset.
 */
public final class StatsWindow {
    private volatile long windowStartNanos;
    private volatile long lastBoundaryNanos;

    public StatsWindow(long nowNanos) {
        // PgBouncer starts with a window of one second, so the first averages are not divided by zero.
        lastBoundaryNanos = nowNanos;
        windowStartNanos = nowNanos - 1_000_000_000L;
    }

    /** A stats period ended: moves every pool's window on. Called by one timer thread. */
    public void rotate(Iterable<PoolStats> pools, long nowNanos) {
        windowStartNanos = lastBoundaryNanos;
        lastBoundaryNanos = nowNanos;
        for (PoolStats stats : pools) {
            stats.rotate();
        }
    }

    /** How long the current window has lasted, in microseconds. */
    public long lengthMicros(long nowNanos) {
        return (nowNanos - windowStartNanos) / 1000;
    }
}
