package io.pooler.admin.metrics;

import io.pooler.pool.PoolKey;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Exports every pool's {@link PoolDurations} as Prometheus histograms, one data point per pool with
 * its {@code database} and {@code user} labels: {@code pooler_query_duration_seconds},
 * {@code pooler_transaction_duration_seconds} and {@code pooler_client_wait_seconds}, each with
 * {@code _bucket}, {@code _count} and {@code _sum}, and a gauge {@code <name>_max} of the largest value of
 * the last one to two minutes: the series Micrometer's Timers gave under these names.
 */
final class DurationCollector implements MultiCollector {
    private record Family(PoolDurations.Kind kind, String name, String help) {
    }

    private static final List<Family> FAMILIES = List.of(
            new Family(PoolDurations.Kind.QUERY, "pooler_query_duration_seconds",
                    "Query time, first message to the last ReadyForQuery"),
            new Family(PoolDurations.Kind.TRANSACTION, "pooler_transaction_duration_seconds",
                    "Transaction time, first message to ReadyForQuery idle"),
            new Family(PoolDurations.Kind.WAIT, "pooler_client_wait_seconds", "Time clients waited for a server"));

    private final long[] upperBoundsNanos;
    private final double[] upperBoundsSeconds;
    private final Map<PoolKey, PoolDurations> pools =
            new ConcurrentSkipListMap<>(Comparator.comparing(PoolKey::database).thenComparing(PoolKey::user));

    DurationCollector(Duration[] buckets) {
        upperBoundsNanos = new long[buckets.length];
        upperBoundsSeconds = new double[buckets.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            upperBoundsNanos[i] = buckets[i].toNanos();
            upperBoundsSeconds[i] = buckets[i].toNanos() / 1e9;
        }
        upperBoundsSeconds[buckets.length] = Double.POSITIVE_INFINITY;
    }

    /** The histograms of a pool not seen yet; the same ones for a pool seen before. */
    PoolDurations bind(PoolKey key) {
        return pools.computeIfAbsent(key, k -> new PoolDurations(upperBoundsNanos));
    }

    /** A retired pool's histograms are no longer exported. */
    void unbind(PoolKey key) {
        pools.remove(key);
    }

    @Override
    public MetricSnapshots collect() {
        long now = System.nanoTime();
        List<MetricSnapshot> snapshots = new ArrayList<>();
        for (Family family : FAMILIES) {
            List<HistogramSnapshot.HistogramDataPointSnapshot> histograms = new ArrayList<>();
            List<GaugeSnapshot.GaugeDataPointSnapshot> maxima = new ArrayList<>();
            pools.forEach((key, durations) -> {
                PoolDurations.Totals totals = durations.totals(family.kind(), now);
                Labels labels = Labels.of("database", key.database(), "user", key.user());
                histograms.add(new HistogramSnapshot.HistogramDataPointSnapshot(
                        ClassicHistogramBuckets.of(upperBoundsSeconds, totals.buckets()), totals.sumNanos() / 1e9,
                        labels, Exemplars.EMPTY, 0L));
                maxima.add(new GaugeSnapshot.GaugeDataPointSnapshot(totals.recentMaxNanos() / 1e9, labels, null));
            });
            snapshots.add(new HistogramSnapshot(new MetricMetadata(family.name(), family.help()), histograms));
            snapshots.add(new GaugeSnapshot(new MetricMetadata(family.name() + "_max", family.help()), maxima));
        }
        return new MetricSnapshots(snapshots);
    }
}
