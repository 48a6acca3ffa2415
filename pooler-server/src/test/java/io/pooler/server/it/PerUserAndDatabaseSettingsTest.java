package io.pooler.server.it;

import io.pooler.testing.Await;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_PASSWORD;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PgBouncer 1.24+/1.25's per-user and per-database settings, with its precedence: query_timeout,
 * idle_transaction_timeout, transaction_timeout and client_idle_timeout in [users] win over [pgbouncer]
 * when above 0; server_lifetime in [databases] wins when above 0; query_wait_timeout (PgBouncer's master)
 * in [users] wins over [databases], which wins over [pgbouncer]. A file with them loads and reloads.
 */
@PoolerTest
class PerUserAndDatabaseSettingsTest {
    private final PoolerFixture pooler;

    PerUserAndDatabaseSettingsTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).user(MD5_USER, MD5_PASSWORD)
                .set("admin_users", SCRAM_USER);
    }

    @Test
    void userQueryTimeoutOnlyForThatUser() throws Exception {
        pooler.userSettings(SCRAM_USER, "query_timeout=1").start();
        try (Connection limited = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection other = pooler.connectSimple(DB, MD5_USER, MD5_PASSWORD)) {
            SQLException e = assertThrows(SQLException.class, () -> queryString(limited, "select pg_sleep(20)"));
            assertTrue(e.getMessage().contains("query_timeout"), e.getMessage());
            assertEquals("", queryString(other, "select pg_sleep(2.5)::text"), "no query_timeout for the other user");
        }
    }

    @Test
    void userIdleTransactionTimeout() throws Exception {
        pooler.userSettings(SCRAM_USER, "idle_transaction_timeout=1").start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            c.setAutoCommit(false);
            queryString(c, "select 1");
            Thread.sleep(2500); // past idle_transaction_timeout on purpose: that is the behaviour under test
            SQLException e = assertThrows(SQLException.class, () -> queryString(c, "select 2"));
            assertTrue(String.valueOf(e.getMessage()).contains("timeout") || e.getSQLState().startsWith("08"),
                    e.toString());
        }
    }

    /** transaction_timeout counts from the transaction's start, however busy it keeps. */
    @Test
    void userTransactionTimeout() throws Exception {
        pooler.userSettings(SCRAM_USER, "transaction_timeout=1").start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            c.setAutoCommit(false);
            SQLException e = assertThrows(SQLException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    queryString(c, "select pg_sleep(0.1)::text"); // never idle for long, yet one transaction
                }
            });
            assertTrue(String.valueOf(e.getMessage()).contains("transaction timeout")
                    || e.getSQLState().startsWith("08"), e.toString());
        }
        // Outside a transaction nothing is timed.
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            for (int i = 0; i < 15; i++) {
                queryString(c, "select pg_sleep(0.1)::text");
            }
        }
    }

    @Test
    void userClientIdleTimeout() throws Exception {
        pooler.userSettings(SCRAM_USER, "client_idle_timeout=1").start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection other = pooler.connectSimple(DB, MD5_USER, MD5_PASSWORD)) {
            Thread.sleep(2500); // past client_idle_timeout on purpose: that is the behaviour under test
            assertThrows(SQLException.class, () -> queryString(c, "select 2"));
            assertEquals("2", queryString(other, "select 2"), "the other user has no client_idle_timeout");
        }
    }

    /** A database's server_lifetime above 0 wins over the global one (3600 s). */
    @Test
    void databaseServerLifetime() throws Exception {
        pooler.database("short", "host=" + pooler.postgres().host() + " port=" + pooler.postgres().port()
                + " dbname=" + DB + " server_lifetime=1").set("pool_mode", "transaction").start();
        try (Connection shortLived = pooler.connectSimple("short", SCRAM_USER, SCRAM_PASSWORD);
             Connection longLived = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            String firstShort = queryString(shortLived, "select pg_backend_pid()::text");
            String firstLong = queryString(longLived, "select pg_backend_pid()::text");
            Map<String, String> row = rows(admin, "SHOW DATABASES").stream()
                    .filter(r -> r.get("name").equals("short")).findFirst().orElseThrow();
            assertEquals("1", row.get("server_lifetime"), row.toString());
            Thread.sleep(2500); // past the database's server_lifetime on purpose
            assertNotEquals(firstShort, queryString(shortLived, "select pg_backend_pid()::text"),
                    "the short-lived database's server was replaced");
            assertEquals(firstLong, queryString(longLived, "select pg_backend_pid()::text"),
                    "the global server_lifetime still applies elsewhere");
        }
    }

    /** query_wait_timeout: [users] over [databases] over [pgbouncer] (120 s here). */
    @Test
    void queryWaitTimeoutPrecedence() throws Exception {
        String target = "host=" + pooler.postgres().host() + " port=" + pooler.postgres().port() + " dbname=" + DB;
        pooler.database("waitdb", target + " pool_size=1 query_wait_timeout=1")
                .userSettings(MD5_USER, "query_wait_timeout=0").set("pool_mode", "transaction").start();
        try (Connection holder = pooler.connectSimple("waitdb", SCRAM_USER, SCRAM_PASSWORD);
             Connection waiter = pooler.connectSimple("waitdb", SCRAM_USER, SCRAM_PASSWORD)) {
            holder.setAutoCommit(false);
            queryString(holder, "select 1"); // holds the only server
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> queryString(waiter, "select 1"));
            assertTrue(e.getMessage().contains("query_wait_timeout"), e.getMessage());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(30).toNanos(), "the database's 1 s, not 120 s");
            holder.rollback();
        }
    }

    /** PgBouncer accepts these keys; so does RELOAD, and the new values apply. */
    @Test
    void reloadAcceptsPerUserAndPerDatabaseTimeouts() throws Exception {
        pooler.start();
        String target = "host=" + pooler.postgres().host() + " port=" + pooler.postgres().port() + " dbname=" + DB;
        pooler.database("reloaded", target + " server_lifetime=30 query_wait_timeout=10")
                .userSettings(SCRAM_USER, "query_timeout=1 idle_transaction_timeout=5 transaction_timeout=60 "
                        + "client_idle_timeout=60 query_wait_timeout=10");
        assertEquals(Optional.empty(), pooler.reload(), "RELOAD accepts the file");
        try (Connection c = pooler.connectSimple("reloaded", SCRAM_USER, SCRAM_PASSWORD)) {
            SQLException e = assertThrows(SQLException.class, () -> queryString(c, "select pg_sleep(20)"));
            assertTrue(e.getMessage().contains("query_timeout"), e.getMessage());
        }
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            Await.until(Duration.ofSeconds(5), quietly(() -> rows(admin, "SHOW DATABASES").stream()
                    .anyMatch(r -> r.get("name").equals("reloaded") && r.get("server_lifetime").equals("30"))),
                    "SHOW DATABASES has the database's server_lifetime");
        }
    }

    static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
