package io.pooler.server.it;

import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;

/**
 * A measurement, not a test (run with -Dpooler.measure=true): 40 PgJDBC clients in transaction
 * pooling on a pool of 10, spread by the acceptor over 1 (the baseline: no slot ever crosses loops), 2
 * and 4 event loops; prints SHOW POOLS' wait percentiles (microseconds), the peak maxwait sampled every
 * 20 ms, the servers launched and the slots donated across loops during the run (each donation closes
 * a server on one loop and launches one on another: a server login), and the wall time. Bounded: 40 x 200 short transactions per run.
 */
@ExtendWith(PostgresExtension.class)
@EnabledIfSystemProperty(named = "pooler.measure", matches = "true")
class ShardWaitMeasurement {
    private final PostgresInstance pg;

    ShardWaitMeasurement(PostgresInstance pg) throws SQLException {
        this.pg = pg;
        TestRoles.ensure(pg);
    }

    @Test
    void waitPercentilesOverTwoAndFourLoops() throws Exception {
        for (int loops : new int[] {1, 2, 4}) {
            for (int round = 0; round < 2; round++) {
                measure(loops, round);
            }
        }
    }

    private void measure(int loops, int round) throws Exception {
        PoolerFixture pooler = new PoolerFixture(pg).user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("default_pool_size", "10").set("max_client_conn", "100")
                .set("worker_threads", String.valueOf(loops)).set("log_connections", "0").set("log_disconnections", "0");
        pooler.start();
        int clients = 40;
        int transactions = 200;
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            List<Connection> connections = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                connections.add(pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD));
            }
            long launchedBefore = pool(pooler).serversLaunched();
            long donatedBefore = pool(pooler).slotsDonated();
            long movedBefore = pool(pooler).serversMoved();
            java.util.concurrent.atomic.AtomicLong peakMaxWaitMicros = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread sampler = new Thread(() -> samplePeakMaxWait(pooler, running, peakMaxWaitMicros), "maxwait-sampler");
            sampler.start();
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (Connection c : connections) {
                done.add(threads.submit(() -> {
                    try (Statement s = c.createStatement()) {
                        for (int t = 0; t < transactions; t++) {
                            s.execute("select pg_sleep(0.001)");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(300, TimeUnit.SECONDS);
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            running.set(false);
            sampler.join(10_000);
            try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
                Map<String, String> p = AdminRows.pool(admin, DB, SCRAM_USER);
                System.out.printf("MEASURE loops=%d round=%d wall_ms=%d p50_wait_us=%s p95_wait_us=%s p99_wait_us=%s"
                                + " peak_maxwait_us=%d servers_launched=%d slots_donated=%d servers_moved=%d servers_now=%s%n",
                        loops, round, millis, p.get("p50_wait_time"), p.get("p95_wait_time"), p.get("p99_wait_time"),
                        peakMaxWaitMicros.get(), pool(pooler).serversLaunched() - launchedBefore,
                        pool(pooler).slotsDonated() - donatedBefore, pool(pooler).serversMoved() - movedBefore,
                        AdminRows.rows(admin, "SHOW SERVERS").size());
            }
            for (Connection c : connections) {
                c.close();
            }
        } finally {
            threads.shutdownNow();
            pooler.close();
        }
    }

    /** SHOW POOLS' maxwait (seconds and microseconds) every 20 ms while the clients run; the highest seen. */
    private static void samplePeakMaxWait(PoolerFixture pooler, java.util.concurrent.atomic.AtomicBoolean running,
                                          java.util.concurrent.atomic.AtomicLong peak) {
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            while (running.get()) {
                Map<String, String> p = AdminRows.pool(admin, DB, SCRAM_USER);
                long micros = Long.parseLong(p.get("maxwait")) * 1_000_000 + Long.parseLong(p.get("maxwait_us"));
                peak.accumulateAndGet(micros, Math::max);
                Thread.sleep(20); // the sampling period of the maxwait watch
            }
        } catch (SQLException | InterruptedException e) {
            throw new IllegalStateException("maxwait sampler failed", e);
        }
    }

    private static io.pooler.pool.Pool pool(PoolerFixture pooler) {
        return pooler.server().pools().stream().filter(p -> p.key().database().equals(DB)).findFirst().orElseThrow();
    }
}
