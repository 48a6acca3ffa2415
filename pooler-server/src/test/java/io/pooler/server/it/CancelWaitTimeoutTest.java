package io.pooler.server.it;

import io.pooler.server.peers.CancelKey;
import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.pool;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PgBouncer's cancel_wait_timeout (1.24+): a cancel request that cannot be forwarded to PostgreSQL within
 * that time is given up, so that a server that is down or cut off does not hold it forever; 0 disables
 * the limit. Here it bounds the whole cancel, from its arrival until PostgreSQL closes the cancel's
 * connection: while a cancel is on its way its server is handed to nobody (sv_being_canceled), so a cancel
 * held forever would hold a server forever. {@link StallingRelay} stands between the pooler and
 * PostgreSQL: the server connection is made through it first, then it stalls the cancel's connection.
 * One server in transaction pooling; the query to cancel is a short pg_sleep, which runs to its end
 * since the cancel never reaches PostgreSQL. The same limit bounds a cancel forwarded to another
 * instance of [peers], where the relay stands in for that instance.
 */
@PoolerTest
class CancelWaitTimeoutTest {
    private static final List<String> CANCEL_COLUMNS =
            List.of("cl_active_cancel_req", "cl_waiting_cancel_req", "sv_active_cancel", "sv_being_canceled");

    /** A key naming peer 2, and a secret with forwards left (CancelKey's layout). */
    private static final int KEY_OF_PEER_2 = CancelKey.processId(0x1234_5678, 2);
    private static final int SECRET = 0x5A5A5A58 | CancelKey.TTL_MASK;

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    CancelWaitTimeoutTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("default_pool_size", "1")
                .set("server_connect_timeout", "15"); // PgBouncer's default, far above the cancel's limit
    }

    /** As PgBouncer's test_cancel_wait_timeout: PostgreSQL's traffic is dropped, the connect hangs. */
    @Test
    void aCancelWhoseConnectionCannotBeMadeIsGivenUpAfterCancelWaitTimeout() throws Exception {
        try (StallingRelay relay = new StallingRelay(pg.port())) {
            start(relay, "1");
            try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
                 Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement st = c.createStatement()) {
                assertEquals("1", queryString(c, "select 1"), "the server connection is made before the relay stalls");
                relay.stopAccepting();
                CompletableFuture<SQLException> sleeping = sleep(st, 2, "the cancel that cannot connect");

                long sent = System.nanoTime();
                CompletableFuture<Long> cancelled = cancelAsync(st::cancel);
                Await.until(Duration.ofSeconds(5), quietly(() -> column(admin, "cl_waiting_cancel_req") == 1),
                        "the cancel waits for its connection");
                assertEquals(List.of("waiting_cancel_req"), cancelRequestStates(admin), "SHOW CLIENTS lists it");
                Await.until(Duration.ofSeconds(5), quietly(() -> cancelColumnsAreZero(admin)),
                        "the cancel given up after cancel_wait_timeout, not server_connect_timeout");
                long gaveUpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                assertTrue(gaveUpMillis >= 900, "given up after about 1 s, not at once: " + gaveUpMillis + " ms");
                long returnedMillis = TimeUnit.NANOSECONDS.toMillis(cancelled.get(5, TimeUnit.SECONDS) - sent);
                assertTrue(returnedMillis >= 900, "the client's cancel returns once given up: " + returnedMillis + " ms");

                assertNull(sleeping.get(10, TimeUnit.SECONDS), "the query ran to its end, never cancelled");
                assertEquals("1", queryString(c, "select 1"), "the server is the client's again");
            }
        }
    }

    /** The cancel's connection is made, but PostgreSQL never acts on it nor closes it. */
    @Test
    void aCancelPostgresqlNeverEndsIsGivenUpAfterCancelWaitTimeout() throws Exception {
        try (StallingRelay relay = new StallingRelay(pg.port())) {
            start(relay, "1");
            try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
                 Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement st = c.createStatement()) {
                assertEquals("1", queryString(c, "select 1"));
                relay.holdNewConnections();
                CompletableFuture<SQLException> sleeping = sleep(st, 2, "the cancel never answered");

                st.cancel();
                Await.until(Duration.ofSeconds(5), () -> relay.heldUntilPoolerClosed().size() == 1,
                        "the pooler closes the cancel's connection");
                Duration held = relay.heldUntilPoolerClosed().get(0);
                assertTrue(held.toMillis() >= 800 && held.toMillis() < 3000, "held for about 1 s: " + held);
                Await.until(Duration.ofSeconds(5), quietly(() -> cancelColumnsAreZero(admin)), "the cancel is gone");

                assertNull(sleeping.get(10, TimeUnit.SECONDS), "the query ran to its end, never cancelled");
                assertEquals("1", queryString(c, "select 1"), "the server is the client's again");
            }
        }
    }

    /** PgBouncer: "0 disables. If this is disabled, cancel requests will be queued indefinitely." */
    @Test
    void zeroWaitsForPostgresqlToEndTheCancel() throws Exception {
        try (StallingRelay relay = new StallingRelay(pg.port())) {
            start(relay, "0");
            try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
                 Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement st = c.createStatement()) {
                assertEquals("1", queryString(c, "select 1"));
                relay.holdNewConnections();
                CompletableFuture<SQLException> sleeping = sleep(st, 3, "the cancel waited for");

                CompletableFuture<Long> cancelled = cancelAsync(st::cancel);
                Await.until(Duration.ofSeconds(5), () -> relay.held() == 1, "the cancel's connection is made");
                assertFalse(relay.poolerClosedOneWithin(Duration.ofSeconds(2)),
                        "with no limit the pooler keeps the cancel's connection until PostgreSQL closes it");
                assertEquals(1, column(admin, "sv_active_cancel"), "the cancel is still on its way");
                assertFalse(cancelled.isDone(), "the client's cancel has not returned");
                assertEquals(List.of("active_cancel_req"), cancelRequestStates(admin), "SHOW CLIENTS lists it");

                relay.endHeld();
                Await.until(Duration.ofSeconds(5), quietly(() -> cancelColumnsAreZero(admin)),
                        "the cancel done once PostgreSQL closed its connection");
                cancelled.get(5, TimeUnit.SECONDS);
                assertEquals(List.of(), cancelRequestStates(admin), "and no longer listed");
                assertNull(sleeping.get(10, TimeUnit.SECONDS), "the query ran to its end, never cancelled");
                assertEquals("1", queryString(c, "select 1"), "the server is the client's again");
            }
        }
    }

    /**
     * A cancel for another instance of [peers] (PgBouncer's peer_pool_server_maint gives up a connection to
     * the peer still logging in after cancel_wait_timeout): the peer's traffic is dropped.
     */
    @Test
    void aCancelForAPeerThatCannotBeReachedIsGivenUpAfterCancelWaitTimeout() throws Exception {
        try (StallingRelay peer = new StallingRelay(pg.port())) {
            peer.stopAccepting();
            startWithPeer(peer, "1");
            try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
                long sent = System.nanoTime();
                CompletableFuture<Long> cancelled = cancelAsync(this::sendCancelForPeer2);
                Await.until(Duration.ofSeconds(5), quietly(() -> peerColumn(admin, "sv_login") == 1),
                        "the connection to the peer is being made");
                Await.until(Duration.ofSeconds(5), quietly(() -> peerColumn(admin, "sv_login") == 0
                                && peerColumn(admin, "cl_active_cancel_req") == 0),
                        "the forward given up after cancel_wait_timeout, not server_connect_timeout");
                long gaveUpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                assertTrue(gaveUpMillis >= 900, "given up after about 1 s, not at once: " + gaveUpMillis + " ms");
                long returnedMillis = TimeUnit.NANOSECONDS.toMillis(cancelled.get(5, TimeUnit.SECONDS) - sent);
                assertTrue(returnedMillis >= 900, "the client's cancel is closed once given up: " + returnedMillis + " ms");
            }
        }
    }

    /** With 0 the connection to the peer stays until the peer closes it, as the one to PostgreSQL does. */
    @Test
    void zeroWaitsForThePeerToEndTheForwardedCancel() throws Exception {
        try (StallingRelay peer = new StallingRelay(pg.port())) {
            peer.holdNewConnections();
            startWithPeer(peer, "0");
            try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
                CompletableFuture<Long> cancelled = cancelAsync(this::sendCancelForPeer2);
                Await.until(Duration.ofSeconds(5), () -> peer.held() == 1, "the cancel is forwarded to the peer");
                assertFalse(peer.poolerClosedOneWithin(Duration.ofSeconds(2)),
                        "with no limit the pooler keeps the connection until the peer closes it");
                assertEquals(1, peerColumn(admin, "sv_active_cancel"), "the forward is still on its way");
                assertFalse(cancelled.isDone(), "the client's cancel connection is still open");
                peer.endHeld();
                Await.until(Duration.ofSeconds(5), quietly(() -> peerColumn(admin, "sv_active_cancel") == 0),
                        "the forward done once the peer closed its connection");
                cancelled.get(5, TimeUnit.SECONDS);
            }
        }
    }

    private void startWithPeer(StallingRelay peer, String cancelWaitTimeout) throws Exception {
        pooler.set("cancel_wait_timeout", cancelWaitTimeout).set("peer_id", "1")
                .peer(1, "host=127.0.0.1 port=" + pooler.port())
                .peer(2, "host=127.0.0.1 port=" + peer.port()).start();
    }

    private static int peerColumn(Connection admin, String column) throws SQLException {
        return AdminRows.rows(admin, "SHOW PEER_POOLS").stream()
                .filter(r -> r.get("peer_id").equals("2")).mapToInt(r -> intValue(r, column))
                .findFirst().orElseThrow(() -> new AssertionError("no peer pool 2"));
    }

    private void start(StallingRelay relay, String cancelWaitTimeout) throws Exception {
        pooler.set("cancel_wait_timeout", cancelWaitTimeout)
                .database(DB, "host=127.0.0.1 port=" + relay.port() + " dbname=" + DB).start();
    }

    /** Runs pg_sleep marked with {@code marker}; returns once it runs, completes with its error or null. */
    private CompletableFuture<SQLException> sleep(Statement st, int seconds, String marker) {
        CompletableFuture<SQLException> sleeping = CompletableFuture.supplyAsync(() -> {
            try {
                st.execute("select pg_sleep(" + seconds + ") /* " + marker + " */");
                return null;
            } catch (SQLException e) {
                return e;
            }
        });
        Await.until(Duration.ofSeconds(10), quietly(() -> sleeping.isDone() || running(marker)), "pg_sleep runs");
        return sleeping;
    }

    private void sendCancelForPeer2() throws Exception {
        PeersCancelTest.sendCancel(pooler.port(), KEY_OF_PEER_2, SECRET);
    }

    /**
     * Sends a cancel on another thread: the client's cancel returns only once the pooler closes the
     * CancelRequest's connection, which is when the cancel is done. Completes with System.nanoTime() then.
     */
    private static CompletableFuture<Long> cancelAsync(CheckedAction cancel) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                cancel.run();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
            return System.nanoTime();
        });
    }

    private boolean running(String marker) throws SQLException {
        try (Connection su = pg.connectAsSuperuser("postgres")) {
            return "1".equals(queryString(su, "select count(*) from pg_stat_activity where state = 'active'"
                    + " and query like '%" + marker + " */'"));
        }
    }

    private static int column(Connection admin, String column) throws SQLException {
        return intValue(pool(admin, DB, SCRAM_USER), column);
    }

    /** The states of SHOW CLIENTS' rows of CancelRequest connections, for the test's pool. */
    private static List<String> cancelRequestStates(Connection admin) throws SQLException {
        return AdminRows.rows(admin, "SHOW CLIENTS").stream()
                .filter(r -> r.get("state").endsWith("_cancel_req"))
                .peek(r -> assertEquals(List.of(DB, SCRAM_USER, ""),
                        List.of(r.get("database"), r.get("user"), r.get("link")), "the pool's, no link"))
                .map(r -> r.get("state")).toList();
    }

    private static boolean cancelColumnsAreZero(Connection admin) throws SQLException {
        Map<String, String> row = pool(admin, DB, SCRAM_USER);
        return CANCEL_COLUMNS.stream().allMatch(c -> intValue(row, c) == 0);
    }

    /** A cancel as a client sends it, which may throw. */
    @FunctionalInterface
    private interface CheckedAction {
        void run() throws Exception;
    }
}
