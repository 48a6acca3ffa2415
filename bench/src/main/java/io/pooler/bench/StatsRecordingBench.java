package io.pooler.bench;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pooler.admin.metrics.PoolerMetrics;
import io.pooler.pool.PoolKey;
import io.pooler.stats.ErrorCounters;
import io.pooler.stats.PoolStats;
import io.pooler.stats.QueryTimer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What recording SHOW STATS costs on the hot path, per query: a client message starting the query, its
 * ReadyForQuery ending it, a server assignment and the byte counts of both directions, exactly the calls
 * ClientConnection and ServerConnection make. Three setups: counters only, with the HdrHistogram
 * percentiles (the default), and with the Prometheus histograms on top (metrics_listen_addr set); each on
 * one thread and on several threads sharing one pool, as event loops do.
 *
 * <p>A plain timed loop rather than JMH, which this module does not use yet: the numbers are per query
 * and meant to be compared with a query's round trip (tens of microseconds), not to the nanosecond.
 *
 * <p>Run: {@code java -cp bench/target/pooler-bench.jar io.pooler.bench.StatsRecordingBench [seconds]}
 */
public final class StatsRecordingBench {
    private static final long BATCH = 10_000;

    private StatsRecordingBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("stats recording per query, %d s per run, %d cores%n", seconds, cores);
        System.out.printf("%-34s %12s %12s%n", "setup", "1 thread", cores + " threads");
        for (Setup setup : Setup.values()) {
            double single = run(setup, 1, seconds);
            double shared = run(setup, cores, seconds);
            System.out.printf("%-34s %9.1f ns %9.1f ns%n", setup.label, single, shared);
        }
    }

    private enum Setup {
        COUNTERS("counters only"),
        PERCENTILES("counters + percentiles (default)"),
        PROMETHEUS("+ Prometheus histograms");

        final String label;

        Setup(String label) {
            this.label = label;
        }

        PoolStats newStats() {
            PoolStats stats = new PoolStats(this != COUNTERS);
            if (this == PROMETHEUS) {
                PoolerMetrics metrics = new PoolerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                        null, new ErrorCounters());
                metrics.bindPool(new PoolKey("bench", "bench"), stats);
            }
            return stats;
        }
    }

    /** Nanoseconds per query, averaged over the threads, after a warm-up run of the same length. */
    private static double run(Setup setup, int threads, int seconds) throws Exception {
        measure(setup.newStats(), threads, seconds); // warm-up
        return measure(setup.newStats(), threads, seconds);
    }

    private static double measure(PoolStats stats, int threads, int seconds) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        long[] queries = new long[threads];
        long[] nanos = new long[threads];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread worker = new Thread(() -> {
                QueryTimer timer = new QueryTimer(stats);
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                long began = System.nanoTime();
                long done = 0;
                while (!stop.get()) {
                    for (int i = 0; i < BATCH; i++) {
                        oneQuery(stats, timer);
                    }
                    done += BATCH;
                }
                nanos[index] = System.nanoTime() - began;
                queries[index] = done;
            });
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        TimeUnit.SECONDS.sleep(seconds);
        stop.set(true);
        double perQuery = 0;
        for (int t = 0; t < threads; t++) {
            workers.get(t).join();
            perQuery += (double) nanos[t] / queries[t];
        }
        return perQuery / threads;
    }

    /** The calls one autocommit query makes, in the order the connections make them. */
    private static void oneQuery(PoolStats stats, QueryTimer timer) {
        stats.serverAssigned(0);
        timer.clientMessage(true);
        stats.received(14);
        timer.readyForQuery((byte) 'I', System.nanoTime());
        stats.sent(60);
    }
}
