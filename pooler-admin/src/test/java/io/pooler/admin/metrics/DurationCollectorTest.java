package io.pooler.admin.metrics;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pooler.pool.PoolKey;
import io.pooler.testing.Threads;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The duration histograms each event loop records on its own: exported as Micrometer's Timers exported
 * them, added up over the threads that recorded, and with a maximum of the last one to two minutes.
 */
class DurationCollectorTest {
    private static final Duration[] BUCKETS = {Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(10),
            Duration.ofSeconds(1)};
    private static final long[] VALUES_NANOS = {0, 499_999, 500_000, 700_000, 1_000_000, 9_000_000, 250_000_000,
            2_000_000_000, 45_000_000_000L};

    @Test
    void scrapesAsMicrometersTimersDid() {
        PrometheusMeterRegistry micrometer = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Tags tags = Tags.of("database", "app", "user", "web");
        Timer query = timer(micrometer, "pooler.query.duration", "Query time, first message to the last ReadyForQuery", tags);
        Timer xact = timer(micrometer, "pooler.transaction.duration", "Transaction time, first message to ReadyForQuery idle", tags);
        Timer wait = timer(micrometer, "pooler.client.wait", "Time clients waited for a server", tags);

        PrometheusMeterRegistry ours = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        DurationCollector collector = new DurationCollector(BUCKETS);
        ours.getPrometheusRegistry().register(collector);
        PoolDurations pool = collector.bind(new PoolKey("app", "web"));

        for (long v : VALUES_NANOS) {
            query.record(v, TimeUnit.NANOSECONDS);
            pool.queryDone(v);
            xact.record(2 * v, TimeUnit.NANOSECONDS);
            pool.transactionDone(2 * v);
        }
        wait.record(3_000_000, TimeUnit.NANOSECONDS);
        pool.serverAssigned(3_000_000);

        String scrape = ours.scrape();
        assertEquals(sortedLines(micrometer.scrape()), sortedLines(scrape));
        assertTrue(scrape.contains("pooler_query_duration_seconds_bucket{database=\"app\",user=\"web\",le=\"0.001\"} 5"), scrape);
        assertTrue(scrape.contains("pooler_query_duration_seconds_max{database=\"app\",user=\"web\"} 45.0"), scrape);
        assertTrue(scrape.contains("pooler_client_wait_seconds_count{database=\"app\",user=\"web\"} 1"), scrape);
    }

    @Test
    void addsUpWhatEveryThreadRecorded() throws Exception {
        DurationCollector collector = new DurationCollector(BUCKETS);
        PoolDurations pool = collector.bind(new PoolKey("app", "web"));
        Threads.runAll(4, t -> {
            long value = (t + 1) * 400_000L; // 0.4, 0.8, 1.2 and 1.6 ms
            for (int i = 0; i < 10_000; i++) {
                pool.queryDone(value);
            }
        });

        PoolDurations.Totals totals = pool.totals(PoolDurations.Kind.QUERY, System.nanoTime());
        assertEquals(40_000, totals.count());
        assertEquals(10_000L * (400_000 + 800_000 + 1_200_000 + 1_600_000), totals.sumNanos());
        assertEquals(List.of(10_000L, 10_000L, 20_000L, 0L, 0L), boxed(totals.buckets()));
        assertEquals(1_600_000, totals.recentMaxNanos());
        assertEquals(0, pool.totals(PoolDurations.Kind.WAIT, System.nanoTime()).count());
    }

    @Test
    void theMaximumCoversTheRunningMinuteAndTheOneBefore() {
        long minute = PoolDurations.MAX_WINDOW_NANOS;
        PoolDurations.LoopCounts counts = new PoolDurations.LoopCounts(new long[] {1_000});
        long start = 100 * minute + 5;

        counts.record(PoolDurations.Kind.WAIT, 700, start);
        counts.record(PoolDurations.Kind.WAIT, 300, start + 10);
        assertEquals(700, counts.recentMax(PoolDurations.Kind.WAIT, start + 20));
        assertEquals(700, counts.recentMax(PoolDurations.Kind.WAIT, start + minute), "the minute before still counts");
        assertEquals(0, counts.recentMax(PoolDurations.Kind.WAIT, start + 2 * minute), "two minutes on: gone");

        counts.record(PoolDurations.Kind.WAIT, 200, start + minute);
        assertEquals(700, counts.recentMax(PoolDurations.Kind.WAIT, start + minute + 1));
        counts.record(PoolDurations.Kind.WAIT, 100, start + 2 * minute);
        assertEquals(200, counts.recentMax(PoolDurations.Kind.WAIT, start + 2 * minute + 1));
        counts.record(PoolDurations.Kind.WAIT, 50, start + 5 * minute);
        assertEquals(50, counts.recentMax(PoolDurations.Kind.WAIT, start + 5 * minute + 1),
                "after minutes without a value, nothing from before them");
        assertEquals(0, counts.recentMax(PoolDurations.Kind.QUERY, start + 5 * minute), "each kind its own");
    }

    private static Timer timer(PrometheusMeterRegistry registry, String name, String description, Tags tags) {
        return Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(BUCKETS).register(registry);
    }

    private static List<String> sortedLines(String scrape) {
        return scrape.lines().sorted().toList();
    }

    private static List<Long> boxed(long[] values) {
        List<Long> list = new ArrayList<>();
        for (long v : values) {
            list.add(v);
        }
        return list;
    }
}
