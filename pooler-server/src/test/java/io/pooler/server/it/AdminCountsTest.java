package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.pool;
import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SHOW POOLS counts against what PostgreSQL itself reports in pg_stat_activity, with several event loops
 * and clients coming and going; and SHOW STATS figures after real queries.
 */
@PoolerTest
class AdminCountsTest {
    private static final int POOL_SIZE = 4;

    private final PostgresInstance pg;
    private final PoolerFixture pooler;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    AdminCountsTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("default_pool_size", String.valueOf(POOL_SIZE))
                .set("worker_threads", "4").set("stats_period", "1").start();
    }

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
    }

    private Connection client() throws SQLException {
        return pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
    }

    /** Backends of the test user in the test database, by state, as PostgreSQL sees them. */
    private int backends(Connection superuser, String stateFilter) throws SQLException {
        return Integer.parseInt(queryString(superuser, "select count(*) from pg_stat_activity where datname = '" + DB
                + "' and usename = '" + SCRAM_USER + "'" + stateFilter));
    }

    @Test
    void showPoolsAgreesWithPgStatActivity() throws Exception {
        List<Connection> holders = new ArrayList<>();
        List<Connection> others = new ArrayList<>();
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
             Connection superuser = pg.connectAsSuperuser(DB)) {
            // Everyone connects first: PgJDBC's SET at connect needs a server too.
            for (int i = 0; i < POOL_SIZE; i++) {
                holders.add(client());
            }
            for (int i = 0; i < 6; i++) {
                others.add(client());
            }
            for (Connection c : holders) {
                c.setAutoCommit(false);
                queryString(c, "select 1"); // holds its server: idle in transaction
            }
            List<CompletableFuture<String>> sleeps = new ArrayList<>();
            for (Connection c : others) {
                sleeps.add(CompletableFuture.supplyAsync(() -> query(c, "select pg_sleep(1.5)::text"), threads));
            }
            Await.until(Duration.ofSeconds(10), quietly(() -> intValue(pool(admin, DB, SCRAM_USER), "cl_waiting") == 6),
                    "the six other clients wait");
            Map<String, String> p = pool(admin, DB, SCRAM_USER);
            assertEquals(POOL_SIZE, intValue(p, "sv_active"), p.toString());
            assertEquals(6, intValue(p, "cl_waiting"), p.toString());
            assertEquals(POOL_SIZE, intValue(p, "cl_active"), p.toString());
            assertEquals(POOL_SIZE, backends(superuser, " and state = 'idle in transaction'"));
            assertEquals(servers(p), backends(superuser, ""));
            assertTrue(intValue(p, "maxwait_us") > 0 || intValue(p, "maxwait") > 0, "the oldest waits: " + p);

            for (Connection h : holders) {
                h.commit();
            }
            Await.until(Duration.ofSeconds(10), quietly(() -> intValue(pool(admin, DB, SCRAM_USER), "cl_waiting") == 2
                            && backends(superuser, " and state = 'active' and query like '%pg_sleep%'") == POOL_SIZE),
                    "the freed servers run the waiting clients' queries");
            p = pool(admin, DB, SCRAM_USER);
            assertEquals(POOL_SIZE, intValue(p, "sv_active"), p.toString());
            assertEquals(2, intValue(p, "cl_waiting"), p.toString());
            assertEquals(POOL_SIZE, backends(superuser, " and state = 'active' and query like '%pg_sleep%'"));
            for (CompletableFuture<String> f : sleeps) {
                f.get(10, TimeUnit.SECONDS);
            }
            p = pool(admin, DB, SCRAM_USER);
            assertEquals(0, intValue(p, "sv_active") + intValue(p, "cl_waiting"), p.toString());
            assertEquals(servers(p), backends(superuser, ""));
            assertEquals(intValue(p, "sv_idle"), backends(superuser, " and state = 'idle'"));
        } finally {
            for (Connection c : holders) {
                c.close();
            }
            for (Connection c : others) {
                c.close();
            }
        }
    }

    @Test
    void countsStayConsistentWhileClientsChurn() throws Exception {
        int clients = 12;
        AtomicBoolean stop = new AtomicBoolean();
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            connections.add(client());
        }
        List<CompletableFuture<Integer>> load = new ArrayList<>();
        for (Connection c : connections) {
            load.add(CompletableFuture.supplyAsync(() -> {
                int done = 0;
                while (!stop.get() && done < 400) {
                    query(c, "select 1");
                    done++;
                }
                return done;
            }, threads));
        }
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            for (int i = 0; i < 40; i++) {
                Map<String, String> p = pool(admin, DB, SCRAM_USER);
                assertEquals(clients, intValue(p, "cl_active") + intValue(p, "cl_waiting"),
                        "every client is either active or waiting: " + p);
                assertTrue(servers(p) <= POOL_SIZE, "never more servers than pool_size: " + p);
                assertTrue(intValue(p, "sv_active") <= intValue(p, "cl_active"), p.toString());
            }
            int queries = 0;
            for (CompletableFuture<Integer> f : load) {
                queries += f.get(60, TimeUnit.SECONDS);
            }
            Map<String, String> totals = rows(admin, "SHOW STATS_TOTALS").stream()
                    .filter(r -> r.get("database").equals(DB)).findFirst().orElseThrow();
            assertTrue(Long.parseLong(totals.get("query_count")) >= queries, totals + " after " + queries);
            assertTrue(Long.parseLong(totals.get("xact_count")) >= queries, totals.toString());
            assertTrue(Long.parseLong(totals.get("bytes_received")) > queries * 14L, "Query messages are 14 bytes");
            assertTrue(Long.parseLong(totals.get("bytes_sent")) > 0);
            long assignments = Long.parseLong(totals.get("server_assignment_count"));
            assertTrue(assignments > 0 && assignments <= Long.parseLong(totals.get("xact_count")), totals.toString());
            try (Connection superuser = pg.connectAsSuperuser(DB)) {
                Map<String, String> p = pool(admin, DB, SCRAM_USER);
                assertEquals(0, intValue(p, "sv_active"));
                assertEquals(servers(p), backends(superuser, ""));
            }
        } finally {
            stop.set(true);
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    @Test
    void showStatsHasAveragesAndPercentilesOverTheStatsPeriod() throws Exception {
        try (Connection c = client(); Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            // Queries for longer than stats_period: whatever the phase of the stats timer, the window
            // (the last completed period and the running one) holds some of them.
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1300);
            while (System.nanoTime() < end) {
                queryString(c, "select pg_sleep(0.01)::text");
            }
            Map<String, String> stats = rows(admin, "SHOW STATS").stream()
                    .filter(r -> r.get("database").equals(DB)).findFirst().orElseThrow();
            assertTrue(Long.parseLong(stats.get("total_query_count")) >= 20, stats.toString());
            assertTrue(Long.parseLong(stats.get("total_query_time")) >= 20 * 10_000, stats.toString());
            assertTrue(Long.parseLong(stats.get("avg_query_count")) > 0, stats.toString());
            assertTrue(Long.parseLong(stats.get("avg_query_time")) >= 10_000, stats.toString());
            long p50 = Long.parseLong(stats.get("p50_query_time"));
            long p99 = Long.parseLong(stats.get("p99_query_time"));
            assertTrue(p50 >= 10_000 && p50 < 1_000_000, "p50 of 10 ms sleeps in microseconds: " + p50);
            assertTrue(p99 >= p50, stats.toString());
            assertTrue(Long.parseLong(stats.get("p50_xact_time")) >= 10_000, stats.toString());
            Map<String, String> totals = new java.util.HashMap<>();
            rows(admin, "SHOW TOTALS").forEach(r -> totals.put(r.get("name"), r.get("value")));
            assertEquals(stats.get("total_query_count"), totals.get("total_query_count"), "one database only");
        }
    }

    private static int servers(Map<String, String> p) {
        return intValue(p, "sv_active") + intValue(p, "sv_idle") + intValue(p, "sv_used") + intValue(p, "sv_tested")
                + intValue(p, "sv_login");
    }

    private static String query(Connection c, String sql) {
        try {
            return queryString(c, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
