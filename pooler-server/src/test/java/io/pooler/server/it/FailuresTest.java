package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.SessionPoolingTest.execute;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PostgreSQL going away under the pooler: errors for those affected, no hang, recovery after. */
@PoolerTest
class FailuresTest {
    /** About 250 KB: more than the client's socket takes at once, less than the buffers on the way hold. */
    private static final int SLOW_READER_ROWS = 250;
    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    FailuresTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD);
    }

    @Test
    void aTerminatedBackendFailsItsSessionClientOnlyAndIsReplaced() throws Exception {
        pooler.start();
        try (Connection victim = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection bystander = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            String pid = queryString(victim, "select pg_backend_pid()");
            try (Connection su = pg.connectAsSuperuser("postgres")) {
                execute(su, "select pg_terminate_backend(" + pid + ")");
            }
            SQLException e = assertThrows(SQLException.class, () -> queryString(victim, "select 1"));
            assertTrue(e.getSQLState().startsWith("57P01") || e.getSQLState().startsWith("08"), e.getSQLState());
            assertEquals("1", queryString(bystander, "select 1"));
        }
        try (Connection fresh = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(fresh, "select 1"), "a new server replaces the dead one");
        }
    }

    /**
     * PostgreSQL ends a backend that had sent all its answer, while its client reads slowly: the client
     * still gets every row, then the FATAL, then the close. Closing the client as soon as the server's
     * FATAL was relayed would throw away what was still waiting for room in the client's socket.
     */
    @Test
    void aSlowReaderGetsAllItsRowsAndThenTheFatalOfItsTerminatedBackend() throws Exception {
        // small socket buffers on the pooler's side too, so that what waits for room waits in the pooler
        pooler.set("auth_type", "trust").set("tcp_socket_buffer", "16384").start();
        try (RawPgClient client = new RawPgClient(pooler.port(), 16 * 1024)) {
            client.loginTrusted(SCRAM_USER, DB);
            client.write(RawPgClient.query("select pg_backend_pid()"));
            String pid = client.readUntil('D').firstColumn();
            client.answersUntilReady();
            client.write(RawPgClient.query("select repeat('x', 1000) from generate_series(1, " + SLOW_READER_ROWS + ")"));
            try (Connection su = pg.connectAsSuperuser("postgres")) {
                Await.until(Duration.ofSeconds(10), Await.quietly(() -> "ClientRead".equals(queryString(su,
                        "select wait_event from pg_stat_activity where pid = " + pid))),
                        "the backend sent its whole answer and waits for the next query");
                execute(su, "select pg_terminate_backend(" + pid + ")");
                Await.until(Duration.ofSeconds(10), Await.quietly(() -> "0".equals(queryString(su,
                        "select count(*) from pg_stat_activity where pid = " + pid))), "the backend is gone");
            }
            Thread.sleep(200); // the pooler sees the server's FATAL and close before the client reads on

            int rows = 0;
            RawPgClient.Message last = null;
            for (RawPgClient.Message m; (m = client.read()) != null; last = m) {
                rows += m.type() == 'D' ? 1 : 0;
                if (rows % 16 == 0) {
                    Thread.sleep(1); // a slow reader: the pooler's writes to it wait for room
                }
            }
            assertEquals(SLOW_READER_ROWS, rows, "every row before the FATAL");
            assertTrue(last != null && last.type() == 'E', "the last message is the FATAL: " + last);
            assertEquals("57P01", last.error().sqlState());
        }
    }

    @Test
    void inTransactionModeAnIdleClientDoesNotEvenNoticeItsOldServerDied() throws Exception {
        pooler.set("pool_mode", "transaction").set("default_pool_size", "1").start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            String pid = queryString(c, "select pg_backend_pid()");
            try (Connection su = pg.connectAsSuperuser("postgres")) {
                execute(su, "select pg_terminate_backend(" + pid + ")");
            }
            awaitNoServerWithPid(pid);
            assertNotEquals(pid, queryString(c, "select pg_backend_pid()"));
        }
    }

    @Test
    void aPostgresRestartIsSurvived() throws Exception {
        pooler.set("pool_mode", "transaction").start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(c, "select 1"));
            pg.restart();
            // The first query may meet the dying server; the next ones get fresh servers.
            String result = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (result == null && System.nanoTime() < deadline) {
                try {
                    result = queryString(c, "select 2");
                } catch (SQLException e) {
                    if (c.isClosed()) {
                        break;
                    }
                    Thread.sleep(200); // between retries while PostgreSQL restarts
                }
            }
            if (result == null) {
                try (Connection again = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
                    result = queryString(again, "select 2");
                }
            }
            assertEquals("2", result);
        }
        try (Connection fresh = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("3", queryString(fresh, "select 3"));
        }
    }

    @Test
    void anUnreachableServerGivesAClearErrorNotAHang() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        pooler.databases().clear();
        pooler.database(DB, "host=127.0.0.1 port=" + closedPort).start();
        long start = System.nanoTime();
        SQLException e = assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
        assertEquals("08006", e.getSQLState());
        assertTrue(e.getMessage().contains("server connection failed"), e.getMessage());
        // While logins keep failing, the next client is answered at once from the cached error.
        SQLException again = assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD));
        assertEquals("08006", again.getSQLState());
    }

    private void awaitNoServerWithPid(String pid) {
        Await.until(Duration.ofSeconds(10), () -> pooler.server().poolSnapshots().stream().allMatch(p -> p.svIdle() == 0),
                () -> "the dead server " + pid + " is still in the pool");
    }
}
