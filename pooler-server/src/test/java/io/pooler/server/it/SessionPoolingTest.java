package io.pooler.server.it;

import io.pooler.pool.PoolSnapshot;
import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Session pooling: reuse, reset, limits and timeouts, checked against the real PostgreSQL. */
@PoolerTest
class SessionPoolingTest {
    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    SessionPoolingTest(PostgresInstance pg, PoolerFixture pooler) throws SQLException {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, pg.storedPassword(SCRAM_USER));
    }

    @Test
    void theNextClientGetsTheSameServerWithNoneOfThePreviousSessionState() throws Exception {
        // One event loop: an idle server is reused by clients of its own loop (pool shards).
        pooler.set("worker_threads", "1").start();
        String firstPid;
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            firstPid = queryString(c, "select pg_backend_pid()");
            execute(c, "set search_path = 'leaked'");
            execute(c, "create temp table leaked_temp (x int)");
            execute(c, "prepare leaked_stmt as select 1");
            execute(c, "set application_name = 'leaker'");
        }
        awaitIdleServers(1);
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(firstPid, queryString(c, "select pg_backend_pid()"), "the server connection is reused");
            assertNotEquals("leaked", queryString(c, "show search_path"));
            assertEquals("0", queryString(c, "select count(*) from pg_prepared_statements"));
            assertEquals("0", queryString(c, "select count(*) from pg_class where relname = 'leaked_temp'"));
            assertEquals("PostgreSQL JDBC Driver", queryString(c, "show application_name"));
        }
    }

    @Test
    void clientsBeyondThePoolSizeWaitForAServer() throws Exception {
        // One event loop: across loops a released server's slot may pass to another loop as a new server.
        pooler.set("default_pool_size", "2").set("worker_threads", "1").start();
        List<CompletableFuture<String>> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(CompletableFuture.supplyAsync(() -> {
                try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
                    return queryString(c, "select pg_backend_pid() from pg_sleep(0.2)");
                } catch (SQLException e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        List<String> pids = new ArrayList<>();
        for (CompletableFuture<String> r : results) {
            pids.add(r.get(30, TimeUnit.SECONDS));
        }
        assertEquals(5, pids.size());
        assertTrue(pids.stream().distinct().count() <= 2, "at most pool_size servers: " + pids);
        assertTrue(serverConnectionsFromPooler() <= 2);
    }

    @Test
    void maxClientConnRefusesTheNextClientWithSqlState53300() throws Exception {
        pooler.set("max_client_conn", "2").start();
        try (Connection a = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection b = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            SQLException e = assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD));
            assertEquals("53300", e.getSQLState());
            assertTrue(e.getMessage().contains("max_client_conn"), e.getMessage());
            assertEquals("1", queryString(a, "select 1"), "the others carry on");
            assertEquals("1", queryString(b, "select 1"));
        }
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(c, "select 1"), "a slot is free again");
        }
    }

    @Test
    void serverIdleTimeoutClosesIdleServers() throws Exception {
        pooler.set("server_idle_timeout", "1").start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            queryString(c, "select 1");
        }
        awaitIdleServers(1);
        Await.until(Duration.ofSeconds(10), quietly(() -> serverConnectionsFromPooler() == 0),
                "server_idle_timeout closed the server");
        assertEquals(0, serverConnectionsFromPooler());
        assertEquals(0, pooler.server().poolSnapshots().stream().mapToInt(PoolSnapshot::totalServers).sum());
    }

    @Test
    void aServerIdleLongerThanServerCheckDelayIsCheckedBeforeReuse() throws Exception {
        // One event loop: an idle server is reused by clients of its own loop (pool shards).
        pooler.set("server_check_delay", "1").set("server_check_query", "select 1").set("worker_threads", "1").start();
        String pid;
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            pid = queryString(c, "select pg_backend_pid()");
        }
        awaitServers(PoolSnapshot::svUsed, 1); // idle past the delay: sv_used, to be checked
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(pid, queryString(c, "select pg_backend_pid()"), "the check passed: same server");
        }
    }

    @Test
    void aServerFailingItsCheckIsReplaced() throws Exception {
        pooler.set("server_check_delay", "1").set("server_check_query", "select 1/0").start();
        String pid;
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            pid = queryString(c, "select pg_backend_pid()");
        }
        awaitServers(PoolSnapshot::svUsed, 1);
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertNotEquals(pid, queryString(c, "select pg_backend_pid()"), "the failed check closed it");
        }
    }

    private void awaitServers(java.util.function.ToIntFunction<PoolSnapshot> count, int n) {
        Await.until(Duration.ofSeconds(10), () -> pooler.server().poolSnapshots().stream().mapToInt(count).sum() >= n,
                () -> n + " servers: " + pooler.server().poolSnapshots());
    }

    @Test
    void serverLifetimeRetiresServersWhenReleased() throws Exception {
        pooler.set("server_lifetime", "1").start();
        String first;
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            first = queryString(c, "select pg_backend_pid()");
            Thread.sleep(1200); // past server_lifetime on purpose: that is the behaviour under test
        }
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertNotEquals(first, queryString(c, "select pg_backend_pid()"));
        }
    }

    @Test
    void simpleProtocolClientsWorkLikePsql() throws Exception {
        pooler.start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            execute(c, "create temp table t (x int); insert into t values (1), (2), (3)");
            assertEquals("6", queryString(c, "select sum(x) from t"));
            c.setAutoCommit(false);
            execute(c, "insert into t values (4)");
            c.rollback();
            assertEquals("3", queryString(c, "select count(*) from t"));
        }
    }

    @Test
    void applicationNameAddHostAppendsTheClientAddress() throws Exception {
        pooler.set("application_name_add_host", "1").start();
        java.util.Properties p = new java.util.Properties();
        p.setProperty("ApplicationName", "odoo");
        p.setProperty("assumeMinServerVersion", "12"); // application_name in the startup packet
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p)) {
            String name = queryString(c, "show application_name");
            assertTrue(name.startsWith("odoo - 127.0.0.1:"), name);
        }
    }

    @Test
    void postgresErrorsReachTheClientAndTheSessionGoesOn() throws Exception {
        pooler.start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            SQLException e = assertThrows(SQLException.class, () -> queryString(c, "select 1/0"));
            assertEquals("22012", e.getSQLState());
            assertEquals("1", queryString(c, "select 1"));
        }
    }

    private void awaitIdleServers(int n) {
        Await.until(Duration.ofSeconds(10), () -> pooler.server().poolSnapshots().stream().mapToInt(PoolSnapshot::svIdle).sum() >= n,
                () -> "no idle server: " + pooler.server().poolSnapshots());
    }

    /** Connections PostgreSQL sees from the test role, not counting this query's own. */
    private int serverConnectionsFromPooler() throws SQLException {
        try (Connection su = pg.connectAsSuperuser("postgres");
             ResultSet rs = su.createStatement().executeQuery(
                     "select count(*) from pg_stat_activity where usename = '" + SCRAM_USER + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
