package io.pooler.server.it;

import io.pooler.testing.Await;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PgBouncer's {@code server_fast_close}: in session pooling, a server marked close-needed (here by
 * RECONNECT) is closed as soon as its client is between transactions, and the client is closed with it,
 * instead of at the session's end. A transaction under way is not interrupted. Off (the default), the
 * session keeps its server. The setting is read on every janitor tick, so RELOAD turns it on.
 */
@PoolerTest
class ServerFastCloseTest {
    private final PoolerFixture pooler;

    ServerFastCloseTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER);
    }

    private void reconnect() throws SQLException {
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
             Statement s = admin.createStatement()) {
            s.execute("RECONNECT");
        }
    }

    /**
     * Waits until the pooler has closed the session: the first query after that reads PgBouncer's
     * FATAL "database configuration changed", which the pooler sent when it closed the client.
     */
    private static void awaitClosedWithReason(Connection c) {
        String[] firstError = new String[1];
        Await.until(Duration.ofSeconds(15), () -> {
            try {
                queryString(c, "select 1");
                return false;
            } catch (SQLException e) {
                firstError[0] = String.valueOf(e.getMessage());
                return true;
            }
        }, "the idle session is closed after RECONNECT");
        assertTrue(firstError[0].contains("database configuration changed"), firstError[0]);
    }

    @Test
    void idleSessionIsClosedWithItsServer() throws Exception {
        pooler.set("server_fast_close", "1").start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(c, "select 1"));
            reconnect();
            awaitClosedWithReason(c);
            SQLException e = assertThrows(SQLException.class, () -> queryString(c, "select 1"));
            assertTrue(c.isClosed() || e.getSQLState().startsWith("08"), e.toString());
        }
        try (Connection fresh = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("2", queryString(fresh, "select 2"), "a new session gets a new server");
        }
    }

    @Test
    void aTransactionUnderWayFinishesFirst() throws Exception {
        pooler.set("server_fast_close", "1").start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            c.setAutoCommit(false);
            String pid = queryString(c, "select pg_backend_pid()::text");
            reconnect();
            Thread.sleep(1500); // several janitor ticks: the open transaction must survive them
            assertEquals(pid, queryString(c, "select pg_backend_pid()::text"), "same server inside the transaction");
            c.commit();
            c.setAutoCommit(true); // else PgJDBC opens the next transaction with the next query
            awaitClosedWithReason(c);
        }
    }

    @Test
    void offByDefaultTheSessionKeepsItsServer() throws Exception {
        pooler.start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            String pid = queryString(c, "select pg_backend_pid()::text");
            reconnect();
            Thread.sleep(1500); // several janitor ticks
            assertEquals(pid, queryString(c, "select pg_backend_pid()::text"));
            // RELOAD turns it on, as PgBouncer's janitor reads cf_server_fast_close on each run.
            pooler.set("server_fast_close", "1");
            assertEquals(Optional.empty(), pooler.reload());
            awaitClosedWithReason(c);
        }
    }
}
