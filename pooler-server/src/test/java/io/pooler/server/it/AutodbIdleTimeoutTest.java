package io.pooler.server.it;

import io.pooler.pool.PoolSnapshot;
import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PgBouncer's autodb_idle_timeout: the pools of databases the {@code *} entry made on demand are freed
 * once no client and no server has been in them for that long, and made again when a client asks; a
 * database with an entry of its own keeps its pools. A pool whose server never logged in goes as soon
 * as nobody is in it: with auth_query, a client that has not logged in makes the auth_user's pool of
 * whatever database it names, and those pools were kept for good (about 20 KB each, the heap filled
 * after some ten thousand names).
 */
@PoolerTest
class AutodbIdleTimeoutTest {
    private static final String AUTH_USER = "it_autodb_auth";
    private static final String AUTH_PASSWORD = "autodb-auth-secret";

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    AutodbIdleTimeoutTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        // server_idle_timeout 1: a server left idle closes, so that nothing holds the pool.
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("server_idle_timeout", "1").set("autodb_idle_timeout", "1");
    }

    @Test
    void anUnusedPoolOfTheStarEntryIsFreedAndMadeAgainWhenAsked() throws Exception {
        pooler.start();
        query();
        assertEquals(1, poolsOf(DB), "the pool the * entry made");
        Await.until(Duration.ofSeconds(15), quietly(() -> poolsOf(DB) == 0),
                "freed once its server closed and a second went by");
        try (Connection admin = admin()) {
            assertTrue(AdminRows.rows(admin, "SHOW DATABASES").stream().noneMatch(r -> DB.equals(r.get("name"))),
                    "the database it made is gone from SHOW DATABASES too");
        }
        assertEquals(0, pooler.server().connectionLimits().serverCountersKept(), "and its counters");
        assertEquals(0, pooler.server().connectionLimits().clientCountersKept(), "the client's went as it closed");

        query();
        assertEquals(1, poolsOf(DB), "made again on demand");
    }

    @Test
    void aPoolOfAnEntryOfItsOwnIsKept() throws Exception {
        pooler.database(DB, "host=" + pg.host() + " port=" + pg.port()).start();
        query();
        Await.until(Duration.ofSeconds(15), quietly(() -> serversOf(DB) == 0), "its server closed after a second idle");
        Thread.sleep(2_500); // NOTE: time for the janitor to free it, were it an automatic one (autodb_idle_timeout 1 s)
        assertEquals(1, poolsOf(DB), "an entry of [databases] keeps its pool, as PgBouncer keeps the database");
    }

    @Test
    void clientsNamingDatabasesThatDoNotExistLeaveNoPoolBehind() throws Exception {
        pg.createRole(AUTH_USER, AUTH_PASSWORD, "scram-sha-256");
        try (Connection c = pg.connectAsSuperuser("postgres"); Statement s = c.createStatement()) {
            s.execute("ALTER ROLE " + AUTH_USER + " SUPERUSER"); // the default auth_query reads pg_authid
        }
        // The default autodb_idle_timeout: pools that never logged in must not wait for it.
        pooler.set("autodb_idle_timeout", "3600").set("auth_user", AUTH_USER).user(AUTH_USER, AUTH_PASSWORD).start();
        int threads = 4;
        int perThread = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> refused = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                refused.add(pool.submit(() -> {
                    int errors = 0;
                    for (int i = 0; i < perThread; i++) {
                        // Half the names shared by the threads, so that clients enter pools as others are freed.
                        String database = "nosuchdb_" + (i % 2 == 0 ? "shared_" + (i % 8) : thread + "_" + i);
                        try (RawPgClient client = new RawPgClient(pooler.port())) {
                            client.write(RawPgClient.startupMessage("nobody_" + i, database));
                            RawPgClient.Message m = client.readError();
                            if (m != null && "28000".equals(m.error().sqlState())) {
                                errors++;
                            }
                        }
                    }
                    return errors;
                }));
            }
            int total = 0;
            for (Future<Integer> f : refused) {
                total += f.get(120, TimeUnit.SECONDS);
            }
            assertEquals(threads * perThread, total, "every client refused with 28000 (auth query failed)");
        } finally {
            pool.shutdownNow();
        }
        Await.until(Duration.ofSeconds(15), quietly(() -> pooler.server().poolSnapshots().stream()
                        .noneMatch(p -> p.key().database().startsWith("nosuchdb_"))),
                () -> "pools left: " + pooler.server().poolSnapshots().stream().map(PoolSnapshot::key).toList());
        assertEquals(0, pooler.server().connectionLimits().serversOfDatabase("nosuchdb_shared_0"));
        query(); // the pooler still serves
    }

    /**
     * Pools freed under clients that keep coming: with autodb_idle_timeout 0 and each server used once
     * (server_lifetime 0), the pool may go whenever no client is in it, so clients on two threads (and
     * both loops), with pauses of 100 to 300 ms, keep entering pools as they are retired (the janitor
     * looks three times a second). Every query must run, and nothing may be left once they stop: no pool, no
     * counter.
     */
    @Test
    void clientsKeepGettingServersWhilePoolsAreFreedUnderThem() throws Exception {
        pooler.set("autodb_idle_timeout", "0").set("server_lifetime", "0").set("pool_mode", "transaction").start();
        int threads = 2;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                runs.add(pool.submit(() -> {
                    int queries = 0;
                    java.util.Random random = new java.util.Random();
                    while (System.nanoTime() < until && queries < 400) {
                        query();
                        queries++;
                        Thread.sleep(100 + random.nextInt(200));
                    }
                    return queries;
                }));
            }
            for (Future<Integer> run : runs) {
                assertTrue(run.get(120, TimeUnit.SECONDS) > 0);
            }
        } finally {
            pool.shutdownNow();
        }
        Await.until(Duration.ofSeconds(15), quietly(() -> poolsOf(DB) == 0), "the last pool freed once its server closed");
        // The last pool, and at least two before it: freed between clients, made again by the next.
        assertTrue(pooler.server().poolsRetired() >= 3, "pools freed: " + pooler.server().poolsRetired());
        assertEquals(0, pooler.server().connectionLimits().serverCountersKept());
        assertEquals(0, pooler.server().connectionLimits().clientCountersKept());
    }

    private void query() throws SQLException {
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement s = c.createStatement()) {
            s.execute("select 1");
        }
    }

    private long poolsOf(String database) {
        return pooler.server().poolSnapshots().stream().filter(p -> p.key().database().equals(database)).count();
    }

    private int serversOf(String database) {
        return pooler.server().poolSnapshots().stream().filter(p -> p.key().database().equals(database))
                .mapToInt(PoolSnapshot::totalServers).sum();
    }

    private Connection admin() throws SQLException {
        return pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
    }
}
