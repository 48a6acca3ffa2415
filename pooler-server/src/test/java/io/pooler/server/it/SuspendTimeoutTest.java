package io.pooler.server.it;

import io.pooler.testing.Await;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.RawPgClient.query;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SUSPEND returns once every client's output has drained; PgBouncer's suspend_timeout bounds that wait
 * and closes the clients still behind. Without it, one client that stops reading in the middle of a
 * large result held SUSPEND (and the admin who ran it) for good.
 */
@PoolerTest
class SuspendTimeoutTest {
    /** Small, so the test waits little; PgBouncer's default is 10 s. */
    private static final int SUSPEND_TIMEOUT_SECONDS = 1;
    /** A result far larger than the socket buffers between the pooler and a client that does not read. */
    private static final String LARGE_RESULT = "select repeat('x', 1000) from generate_series(1, 50000)";

    private final PoolerFixture pooler;

    SuspendTimeoutTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD)
                .set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction")
                .set("tcp_socket_buffer", String.valueOf(64 * 1024))
                .set("suspend_timeout", String.valueOf(SUSPEND_TIMEOUT_SECONDS))
                .start();
    }

    @Test
    void suspendClosesAClientThatDoesNotReadOnceTheTimeoutHasPassed() throws Exception {
        try (RawPgClient stalled = new RawPgClient(pooler.port(), 4096).loginTrusted(SCRAM_USER, DB);
             Connection reader = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            stalled.write(query(LARGE_RESULT)); // and never reads its answer
            assertEquals("1", queryString(reader, "select 1"));
            Await.until(Duration.ofSeconds(10), quietly(() -> rows(admin, "SHOW ACTIVE_SOCKETS").stream()
                            .anyMatch(row -> "C".equals(row.get("type")) && Integer.parseInt(row.get("send_avail")) > 0)),
                    "the stalled client's output backs up in the pooler");

            long started = System.nanoTime();
            assertTimeoutPreemptively(Duration.ofSeconds(SUSPEND_TIMEOUT_SECONDS + 10), () -> rows(admin, "SUSPEND"),
                    "SUSPEND must end once suspend_timeout has passed");
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(tookMillis >= SUSPEND_TIMEOUT_SECONDS * 1000L - 100,
                    "SUSPEND waited for the stalled client's output first: " + tookMillis + " ms");

            stalled.setReadTimeout(10_000);
            assertTrue(stalled.closedByPeer(), "the client still behind was closed");
            rows(admin, "RESUME");
            assertEquals("2", queryString(reader, "select 2"), "a client that kept up is unharmed");
        }
    }
}
