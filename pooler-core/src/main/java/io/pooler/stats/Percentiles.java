package io.pooler.stats;

/** p50, p95 and p99 of one latency, in microseconds; all 0 when nothing was recorded. */
public record Percentiles(long p50, long p95, long p99) {
    public static final Percentiles ZERO = new Percentiles(0, 0, 0);
}
