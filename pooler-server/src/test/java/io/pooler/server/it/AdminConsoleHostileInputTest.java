package io.pooler.server.it;

import io.pooler.server.admin.ConsoleSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_PASSWORD;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, item 1: a read-only stats user's console query must not hold up anyone else. With one event
 * loop, the console session and every other client share a thread, so a query that takes long to parse
 * would stall them all.
 */
@PoolerTest
class AdminConsoleHostileInputTest {
    private static final String STATS = MD5_USER;
    /** 27 characters took 8 s with the old regex; 40 took hours. */
    private static final String HOSTILE_SHOW = "SHOW \"" + "a".repeat(40) + "\"x";

    private final PoolerFixture pooler;
    private final ExecutorService console = Executors.newSingleThreadExecutor();

    AdminConsoleHostileInputTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler
                .user(SCRAM_USER, SCRAM_PASSWORD).user(MD5_USER, MD5_PASSWORD)
                .set("stats_users", STATS)
                .set("worker_threads", "1")
                .start();
    }

    @AfterEach
    void tearDown() {
        console.shutdownNow();
    }

    @Test
    void hostileShowDoesNotStallOtherClients() throws Exception {
        try (Connection stats = pooler.connectSimple("pgbouncer", STATS, MD5_PASSWORD)) {
            CompletableFuture<SQLException> answer = CompletableFuture.supplyAsync(() -> {
                try (Statement st = stats.createStatement()) {
                    st.execute(HOSTILE_SHOW);
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            }, console);
            // Let the console query reach the pooler first; it is answered at once now, so nothing waits.
            // A head start, not a wait for a result: on the old code the one loop is stuck parsing, so
            // nothing the pooler could report would say the query has arrived.
            Thread.sleep(500);
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                try (Connection other = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
                    assertEquals("1", queryString(other, "select 1"));
                }
            }, "another client's login and SELECT 1 while the console parses the hostile query");
            SQLException refused = answer.get(10, TimeUnit.SECONDS);
            assertEquals("42601", refused.getSQLState(), refused.getMessage());
            assertTrue(refused.getMessage().contains("invalid command"), refused.getMessage());
            assertFalse(rows(stats, "SHOW VERSION").isEmpty(), "the console session carries on");
        }
    }

    @Test
    void consoleQueryOverTheCapIsRefused() throws Exception {
        // The longest query that fits: type byte, length, text, NUL.
        String padded = "SHOW" + " ".repeat(ConsoleSession.MAX_QUERY_MESSAGE - 6 - "SHOW".length() - "VERSION".length())
                + "VERSION";
        try (Connection stats = pooler.connectSimple("pgbouncer", STATS, MD5_PASSWORD)) {
            assertEquals(1, rows(stats, padded).size(), "a query of exactly the cap is answered");
            SQLException e = assertThrows(SQLException.class, () -> rows(stats, padded + " "));
            assertEquals("08P01", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("admin console query too long"), e.getMessage());
            assertTrue(stats.isClosed() || !stats.isValid(2), "the console connection is closed");
        }
        try (Connection other = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(other, "select 1"), "others carry on");
        }
    }
}
