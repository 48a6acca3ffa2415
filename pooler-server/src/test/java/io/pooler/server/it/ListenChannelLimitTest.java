package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.SessionPoolingTest.execute;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multiplexed LISTEN has a bound on channels: per client, and for a pool's listener (all its clients
 * together). Past either, that LISTEN is refused to its sender alone with SQLSTATE 53400, and the session
 * goes on as after any error (inside a transaction block, the transaction is aborted); the channels it
 * had still deliver, other clients are not touched, and UNLISTEN * or a disconnect gives the count back.
 *
 * <p>Why: the hub keeps a map entry per channel and the pool's one listening server LISTENs to every
 * one of them, and other clients depend on that server; without a bound a client sending
 * {@code LISTEN c1}, {@code LISTEN c2}, ... grew both without end. Here the limits are set small (5 per
 * client, 8 per pool) through the system properties that set them.
 */
@PoolerTest
class ListenChannelLimitTest {
    private static final String PER_CLIENT_PROPERTY = "pooler.listen.maxChannelsPerClient";
    private static final String PER_POOL_PROPERTY = "pooler.listen.maxChannelsPerPool";
    private static final int PER_CLIENT = 5;
    private static final int PER_POOL = 8;
    /** A loop of LISTENs runs at most this many, and stops at the first refusal. */
    private static final int MAX_TRIES = 50;
    private static final Duration LOOP_DEADLINE = Duration.ofSeconds(20);
    private static final String REFUSED = "53400";

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    ListenChannelLimitTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        System.setProperty(PER_CLIENT_PROPERTY, String.valueOf(PER_CLIENT));
        System.setProperty(PER_POOL_PROPERTY, String.valueOf(PER_POOL));
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("pool_mode", "transaction")
                .set("default_pool_size", "3").start();
    }

    @AfterEach
    void defaultLimits() {
        System.clearProperty(PER_CLIENT_PROPERTY);
        System.clearProperty(PER_POOL_PROPERTY);
    }

    @Test
    void aClientIsRefusedPastItsLimitKeepsItsChannelsAndGetsTheCountBack() throws Exception {
        try (Connection a = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection b = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection outside = pg.connectAsSuperuser(DB)) {
            SQLException refused = listenUntilRefused(a, "a");
            assertEquals(REFUSED, refused.getSQLState(), refused.toString());
            assertEquals(PER_CLIENT, listened, "LISTENs that succeeded before the refusal");
            assertEquals("1", queryString(a, "select 1"), "the refused client's session goes on");
            execute(a, "LISTEN a0"); // one it has already: not a new channel
            execute(b, "LISTEN b0"); // another client (extended protocol) is not touched
            execute(outside, "NOTIFY a0, 'first'");
            execute(outside, "NOTIFY a4, 'last'");
            execute(outside, "NOTIFY b0, 'other'");
            assertEquals(List.of("a0:first", "a4:last"), receive(a, 2), "its earlier channels still deliver");
            assertEquals(List.of("b0:other"), receive(b, 1));

            execute(a, "UNLISTEN *");
            for (int i = PER_CLIENT; i < 2 * PER_CLIENT; i++) {
                execute(a, "LISTEN a" + i); // UNLISTEN * gave the count back
            }
            SQLException again = assertThrows(SQLException.class, () -> execute(a, "LISTEN one_too_many"));
            assertEquals(REFUSED, again.getSQLState());
            execute(a, "UNLISTEN a5");
            execute(a, "LISTEN a_after_unlisten"); // UNLISTEN of one gave one back
        }
    }

    @Test
    void thePoolsLimitRefusesOnlyNewChannelsAndADisconnectGivesItBack() throws Exception {
        Connection a = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
        try (Connection b = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection outside = pg.connectAsSuperuser(DB)) {
            for (int i = 0; i < PER_CLIENT; i++) {
                execute(a, "LISTEN shared" + i);
            }
            SQLException refused = listenUntilRefused(b, "b");
            assertEquals(REFUSED, refused.getSQLState(), refused.toString());
            assertEquals(PER_POOL - PER_CLIENT, listened, "the pool's channels are " + PER_POOL);
            execute(b, "LISTEN shared0"); // a channel the listener has already is no new one
            assertEquals("1", queryString(b, "select 1"));
            execute(outside, "NOTIFY shared0, 'both'");
            assertEquals(List.of("shared0:both"), receive(a, 1));
            assertEquals(List.of("shared0:both"), receive(b, 1));

            a.close();
            assertTrue(listenSucceedsWithin(b, "after_disconnect", Duration.ofSeconds(10)),
                    "a's disconnect gave its channels back to the pool");
            execute(outside, "NOTIFY after_disconnect, 'x'");
            assertEquals(List.of("after_disconnect:x"), receive(b, 1));
        } finally {
            a.close();
        }
    }

    /** Inside a transaction block a refused LISTEN aborts the transaction, as any error there does. */
    @Test
    void aRefusalInATransactionAbortsItInBothProtocols() throws Exception {
        try (Connection simple = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection extended = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection outside = pg.connectAsSuperuser(DB)) {
            for (Connection c : List.of(simple, extended)) {
                String prefix = c == simple ? "s" : "e";
                for (int i = 0; i < PER_CLIENT - 1; i++) {
                    execute(c, "LISTEN " + prefix + i);
                }
                execute(c, "BEGIN");
                execute(c, "LISTEN " + prefix + "_last"); // idle in a transaction: still answered by the pooler
                SQLException refused = assertThrows(SQLException.class, () -> execute(c, "LISTEN " + prefix + "_over"));
                assertEquals(REFUSED, refused.getSQLState(), refused.toString());
                SQLException aborted = assertThrows(SQLException.class, () -> queryString(c, "select 1"));
                assertEquals("25P02", aborted.getSQLState(), "in a failed transaction: " + aborted);
                execute(c, "ROLLBACK");
                assertEquals("1", queryString(c, "select 1"));
                execute(outside, "NOTIFY " + prefix + "0, 'still'");
                assertEquals(List.of(prefix + "0:still"), receive(c, 1));
                execute(c, "UNLISTEN *");
            }
        }
    }

    /** LISTENs that succeeded in the last {@link #listenUntilRefused}. */
    private int listened;

    /** LISTENs {@code prefix}0, {@code prefix}1, ... until one is refused (at most MAX_TRIES, within a deadline). */
    private SQLException listenUntilRefused(Connection c, String prefix) {
        listened = 0;
        long deadline = System.nanoTime() + LOOP_DEADLINE.toNanos();
        for (int i = 0; i < MAX_TRIES && System.nanoTime() < deadline; i++) {
            try {
                execute(c, "LISTEN " + prefix + i);
                listened++;
            } catch (SQLException e) {
                return e;
            }
        }
        throw new AssertionError(listened + " LISTENs on distinct channels and none refused");
    }

    /** A channel's count may come back a moment after a disconnect (the hub's loop ends it): retried. */
    private static boolean listenSucceedsWithin(Connection c, String channel, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        for (int i = 0; i < 100 && System.nanoTime() < deadline; i++) {
            try {
                execute(c, "LISTEN " + channel);
                return true;
            } catch (SQLException e) {
                assertEquals(REFUSED, e.getSQLState(), e.toString());
                Thread.sleep(100);
            }
        }
        return false;
    }

    /** Waits (up to 10 s) for {@code count} notifications, as "channel:payload". */
    private static List<String> receive(Connection c, int count) throws SQLException {
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (got.size() < count && System.nanoTime() < deadline) {
            PGNotification[] batch = c.unwrap(PGConnection.class).getNotifications(200);
            if (batch != null) {
                for (PGNotification n : batch) {
                    got.add(n.getName() + ":" + n.getParameter());
                }
            }
        }
        return got;
    }
}
