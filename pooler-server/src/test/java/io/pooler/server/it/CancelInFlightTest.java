package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cancel request still on its way to PostgreSQL never reaches a later query, its own client's
 * included: as in PgBouncer, a server with a cancel in flight goes to sv_being_canceled when its
 * transaction ends and is handed to nobody, its own client neither, until the cancel's connection has
 * closed. Before, the client kept the server and its next query went to it at once, so a cancel that
 * reached the backend after that query had been read stopped it: CancelCountsTest failed once in a
 * clean-clone run of .ci/run (its pg_sleep never seemed to run), and 300 rounds of it under load failed
 * twice, once showing a query cancelled before its own cancel had been sent.
 * {@link SlowCancelRelay} holds the cancel's connection open, which makes the window wide and the
 * first test exact; the second runs many rounds of query, cancel, next query on a direct path, each
 * query marked so that the test waits for its own one in pg_stat_activity, never a finished one's row.
 */
@PoolerTest
class CancelInFlightTest {
    private static final int ROUNDS = 200;

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    CancelInFlightTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD)
                .set("pool_mode", "transaction").set("default_pool_size", "1").set("worker_threads", "2");
    }

    @Test
    void theNextQueryWaitsUntilTheCancelsConnectionHasClosed() throws Exception {
        try (SlowCancelRelay relay = new SlowCancelRelay(pg.port(), 1500)) {
            pooler.database(DB, "host=127.0.0.1 port=" + relay.port() + " dbname=" + DB).start();
            try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement st = c.createStatement()) {
                String marker = "the query of the held cancel";
                CompletableFuture<SQLException> sleeping = sleep(st, marker);
                Await.until(Duration.ofSeconds(10), quietly(() -> running(marker)), "pg_sleep is running");
                st.cancel();
                SQLException e = sleeping.get(10, TimeUnit.SECONDS);
                assertEquals("57014", e == null ? null : e.getSQLState(), "cancelled (PostgreSQL got the cancel at once)");

                assertEquals("1", queryString(c, "select 1"), "the next query runs");
                long answered = System.nanoTime();
                assertEquals(1, relay.cancelClosedNanos().size(), "the cancel's connection had closed before the answer");
                assertTrue(relay.cancelClosedNanos().get(0) <= answered);
            }
        }
    }

    @Test
    void aCancelInFlightNeverCancelsTheClientsNextQuery() throws Exception {
        pooler.start();
        try (Connection sleeper = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Statement st = sleeper.createStatement()) {
            for (int round = 0; round < ROUNDS; round++) {
                String marker = "round " + round + " of the cancel test";
                CompletableFuture<SQLException> sleeping = sleep(st, marker);
                int r = round;
                Await.until(Duration.ofSeconds(10), quietly(() -> sleeping.isDone() || running(marker)),
                        "round " + r + ": its pg_sleep is running");
                assertFalse(sleeping.isDone(), () -> "round " + r + ": the query ended before it was cancelled: "
                        + sleeping.getNow(null));
                st.cancel();
                SQLException e = sleeping.get(10, TimeUnit.SECONDS);
                assertEquals("57014", e == null ? null : e.getSQLState(), "round " + round + ": the query was cancelled");
            }
            assertEquals("1", queryString(sleeper, "select 1"), "the session goes on after the cancels");
        }
    }

    /** Runs a 30 s pg_sleep marked with {@code marker}; completes with the error that ends it, or null. */
    private static CompletableFuture<SQLException> sleep(Statement st, String marker) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                st.execute("select pg_sleep(30) /* " + marker + " */");
                return null;
            } catch (SQLException e) {
                return e;
            }
        });
    }

    private boolean running(String marker) throws SQLException {
        try (Connection su = pg.connectAsSuperuser("postgres")) {
            return "1".equals(queryString(su, "select count(*) from pg_stat_activity where state = 'active'"
                    + " and query like '%" + marker + " */'"));
        }
    }
}
