package io.pooler.pool;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.pooler.config.PoolMode;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pool shards driven by hand: two event loops that run only what the test submits (and the tasks the
 * shards post to each other), servers and clients that record what the pool tells them, and a clock
 * the test moves.
 */
class PoolShardTest {
    private static final Map<String, String> PARAMETERS = Map.of("server_version", "17.0");

    private final DefaultEventLoop loopA = new DefaultEventLoop();
    private final DefaultEventLoop loopB = new DefaultEventLoop();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final List<RecordingServer> launched = new CopyOnWriteArrayList<>();
    private final ConnectionCounter dbServers = new ConnectionCounter();
    private final ConnectionCounter userServers = new ConnectionCounter();
    private Pool pool;

    @AfterEach
    void tearDown() {
        loopA.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        loopB.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    }

    private Pool pool(int poolSize, int maxDb, int maxUser) {
        PoolSettings settings = new PoolSettings(PoolMode.TRANSACTION, poolSize, 0, 0, Duration.ofSeconds(5), maxDb,
                maxUser, Duration.ZERO, Duration.ofHours(1), Duration.ofSeconds(15), Duration.ofSeconds(2),
                Duration.ofSeconds(30), true, false);
        pool = new Pool(new PoolKey("db", "user"), settings, this::launch,
                new PoolLimits(dbServers, userServers, p -> false, p -> false), clock::get);
        return pool;
    }

    // ---- the basic cycle, on one loop ----

    @Test
    void aClientIsWelcomedOnceTheFirstServerLogsInAndThenLinkedToItWhenIdle() throws Exception {
        pool(2, 0, 0);
        RecordingClient c = new RecordingClient(loopA);
        on(loopA, () -> pool.clientLogin(c));
        settle();
        assertEquals(1, launched.size(), "the first server, for the welcome");
        RecordingServer s = launched.get(0);
        assertSame(loopA, s.eventLoop());
        assertTrue(s.connected);
        assertEquals(ClientState.LOGIN, c.state());
        on(loopA, () -> pool.serverLoggedIn(s, PARAMETERS));
        assertEquals(1, c.welcomed);
        assertEquals(ServerState.IDLE, s.state());
        PooledServer found = on(loopA, () -> pool.findServer(c));
        assertSame(s, found);
        assertSame(c, s.client());
        assertEquals(ServerState.ACTIVE, s.state());
        on(loopA, () -> pool.releaseServer(s));
        assertEquals(ServerState.IDLE, s.state());
        assertNull(c.server());
        assertEquals(1, pool.serverCount());
    }

    @Test
    void aWaitingClientGetsTheServerItsShardReleases() throws Exception {
        pool(1, 0, 0);
        RecordingClient first = new RecordingClient(loopA);
        RecordingClient second = new RecordingClient(loopA);
        RecordingServer s = loggedInServer(loopA, first);
        on(loopA, () -> pool.clientLogin(second));
        assertSame(s, on(loopA, () -> pool.findServer(first)));
        assertNull(on(loopA, () -> pool.findServer(second)));
        assertEquals(ClientState.WAITING, second.state());
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(40));
        assertEquals(40_000, pool.snapshot().maxWaitMicros(), "maxwait from the injected clock");
        on(loopA, () -> pool.releaseServer(s));
        assertEquals(List.of(s), second.assigned);
        assertSame(s, second.server());
        assertEquals(ClientState.ACTIVE, second.state());
        assertEquals(1, launched.size(), "no launch beyond pool_size");
    }

    @Test
    void duringShutdownWaitForServersAClientAskingForAServerIsToldTheServerIsShuttingDown() throws Exception {
        pool(2, 0, 0);
        RecordingClient inTransaction = new RecordingClient(loopA);
        RecordingClient asking = new RecordingClient(loopA);
        RecordingServer s = loggedInServer(loopA, inTransaction);
        on(loopA, () -> pool.clientLogin(asking));
        assertSame(s, on(loopA, () -> pool.findServer(inTransaction)));
        pool.refuseServers();
        assertSame(s, on(loopA, () -> pool.findServer(inTransaction)), "a running transaction keeps its server");
        assertNull(on(loopA, () -> pool.findServer(asking)));
        assertEquals(1, asking.failures.size());
        assertEquals("server shutting down", asking.failures.get(0).message());
        assertEquals(1, launched.size(), "nothing launched for it");
    }

    @Test
    void aLoginThatMeetsARestartIsRetriedWhileTheClientWaitsAndNeverReplayed() throws Exception {
        pool(1, 0, 0);
        RecordingClient c = new RecordingClient(loopA);
        RecordingServer first = loggedInServer(loopA, c);
        on(loopA, () -> pool.serverClosed(first)); // PostgreSQL went down under it
        assertNull(on(loopA, () -> pool.findServer(c)));
        assertEquals(2, launched.size());
        RecordingServer second = launched.get(1);
        on(loopA, () -> pool.serverLoginFailed(second,
                ErrorResponse.fatal(SqlState.CANNOT_CONNECT_NOW, "the database system is starting up")));
        assertEquals(List.of(), c.failures, "not replayed to the waiting client");
        assertEquals(ClientState.WAITING, c.state());
        RecordingClient newcomer = new RecordingClient(loopA);
        on(loopA, () -> pool.clientLogin(newcomer));
        assertNull(on(loopA, () -> pool.findServer(newcomer)));
        assertEquals(List.of(), newcomer.failures, "nor to a client that comes after");
        clock.addAndGet(ServerRestartWindow.RETRY_NANOS);
        io.pooler.testing.Await.until(java.time.Duration.ofSeconds(5), () -> launched.size() == 3,
                "the login is tried again after the retry delay");
    }

    @Test
    void mutatorsRefuseToRunOffTheShardsLoop() throws Exception {
        pool(1, 0, 0);
        RecordingClient c = new RecordingClient(loopA);
        PoolShard shard = on(loopA, () -> pool.shard(loopA));
        assertThrows(IllegalStateException.class, () -> shard.findServer(c));
        Exception onOtherLoop = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> on(loopB, () -> shard.clientLogin(c)));
        assertTrue(onOtherLoop.getCause() instanceof IllegalStateException, onOtherLoop.toString());
    }

    // ---- limits ----

    @Test
    void serversLaunchWithinThePoolWideCountAcrossShards() throws Exception {
        pool(2, 0, 0);
        RecordingClient a1 = new RecordingClient(loopA);
        RecordingServer first = loggedInServer(loopA, a1);
        RecordingClient a2 = new RecordingClient(loopA);
        RecordingClient b1 = new RecordingClient(loopB);
        on(loopA, () -> pool.clientLogin(a2));
        on(loopB, () -> pool.clientLogin(b1));
        on(loopA, () -> pool.findServer(a1));
        assertNull(on(loopA, () -> pool.findServer(a2)));
        settle();
        assertEquals(2, launched.size(), "a2 waits: a second server within pool_size");
        assertNull(on(loopB, () -> pool.findServer(b1)));
        settle();
        assertEquals(2, launched.size(), "the pool is full: b1 waits, nothing launched");
        assertEquals(2, pool.serverCount());
        assertSame(first, a1.server());
    }

    @Test
    void limitsAreCheckedInPgBouncersOrder() throws Exception {
        pool(1, 1, 1);
        RecordingClient a = new RecordingClient(loopA);
        RecordingServer s = loggedInServer(loopA, a);
        assertEquals(1, dbServers.get());
        assertEquals(1, userServers.get());
        on(loopA, () -> pool.findServer(a));
        RecordingClient b = new RecordingClient(loopA);
        on(loopA, () -> pool.clientLogin(b));
        assertNull(on(loopA, () -> pool.findServer(b)));
        assertEquals(1, launched.size());
        assertEquals(1, dbServers.get(), "pool_size refused first: max_db_connections not even tried");

        // Room in the pool, none in max_db_connections: the pool slot is given back.
        pool.updateSettings(withPoolSize(pool.settings(), 2));
        on(loopA, () -> pool.shard(loopA).janitor());
        assertEquals(1, launched.size());
        assertEquals(1, pool.serverCount(), "the pool slot taken for the launch was given back");
        assertEquals(1, userServers.get(), "max_user_connections not tried after max_db_connections refused");

        // The server closes: its slots are free and the waiting client gets a new one.
        on(loopA, () -> s.close("test"));
        settle();
        assertEquals(2, launched.size());
        assertEquals(1, dbServers.get());
        assertEquals(1, pool.serverCount());
    }

    // ---- across loops ----

    @Test
    void anIdleServerOfAnotherShardIsClosedToGiveItsSlotToAShardWithWaiters() throws Exception {
        pool(1, 0, 0);
        RecordingClient a = new RecordingClient(loopA);
        RecordingServer onA = loggedInServer(loopA, a);
        RecordingClient b = new RecordingClient(loopB);
        on(loopB, () -> pool.clientLogin(b));
        assertEquals(1, b.welcomed);
        assertNull(on(loopB, () -> pool.findServer(b)));
        settle();
        assertEquals("slot given to clients on another event loop", onA.closedBecause);
        assertEquals(2, launched.size(), "B launched into the freed slot");
        assertEquals(1, pool.slotsDonated(), "one server closed to give its slot away");
        assertEquals(2, pool.serversLaunched());
        RecordingServer onB = launched.get(1);
        assertSame(loopB, onB.eventLoop());
        on(loopB, () -> pool.serverLoggedIn(onB, PARAMETERS));
        assertEquals(List.of(onB), b.assigned);
        assertSame(b.eventLoop(), b.server().eventLoop(), "a pair shares its loop");
        assertEquals(1, pool.serverCount());
        PoolSnapshot counts = pool.snapshot();
        assertEquals(1, counts.svActive());
        assertEquals(0, counts.svIdle());
    }

    @Test
    void aShardWithNothingIdleRemembersTheRequestUntilItReleasesAServer() throws Exception {
        pool(1, 0, 0);
        RecordingClient a = new RecordingClient(loopA);
        RecordingServer onA = loggedInServer(loopA, a);
        on(loopA, () -> pool.findServer(a));
        RecordingClient b = new RecordingClient(loopB);
        on(loopB, () -> pool.clientLogin(b));
        assertNull(on(loopB, () -> pool.findServer(b)));
        settle();
        assertNull(onA.closedBecause, "A's server is busy: nothing to give yet");
        on(loopA, () -> pool.releaseServer(onA));
        settle();
        assertEquals("slot given to clients on another event loop", onA.closedBecause);
        assertEquals(2, launched.size());
        assertSame(loopB, launched.get(1).eventLoop());
    }

    @Test
    void aBusyShardKeepsItsServerWhenTheNeedyShardHasAsMany() throws Exception {
        pool(2, 0, 0);
        RecordingClient a1 = new RecordingClient(loopA);
        RecordingServer onA = loggedInServer(loopA, a1);
        RecordingClient a2 = new RecordingClient(loopA);
        RecordingClient b1 = new RecordingClient(loopB);
        RecordingClient b2 = new RecordingClient(loopB);
        on(loopA, () -> pool.clientLogin(a2));
        on(loopB, () -> pool.clientLogin(b1));
        on(loopB, () -> pool.clientLogin(b2));
        on(loopA, () -> pool.findServer(a1));
        assertNull(on(loopB, () -> pool.findServer(b1)));
        settle();
        RecordingServer onB = launched.get(1);
        on(loopB, () -> pool.serverLoggedIn(onB, PARAMETERS));
        assertSame(onB, b1.server());
        assertNull(on(loopB, () -> pool.findServer(b2)));
        assertNull(on(loopA, () -> pool.findServer(a2)));
        settle();
        on(loopA, () -> pool.releaseServer(onA));
        settle();
        assertSame(onA, a2.server(), "one server each: A serves its own waiter");
        assertNull(onA.closedBecause);
    }

    @Test
    void shardsWithAsManyServersKeepThemUntilOneHasBeenIdleForASecond() throws Exception {
        pool(2, 0, 0);
        RecordingClient a1 = new RecordingClient(loopA);
        RecordingServer onA = loggedInServer(loopA, a1);
        RecordingClient b1 = new RecordingClient(loopB);
        RecordingClient b2 = new RecordingClient(loopB);
        on(loopB, () -> pool.clientLogin(b1));
        on(loopB, () -> pool.clientLogin(b2));
        assertNull(on(loopB, () -> pool.findServer(b1)));
        settle();
        RecordingServer onB = launched.get(1);
        on(loopB, () -> pool.serverLoggedIn(onB, PARAMETERS));
        assertSame(onB, b1.server());
        // One server each; B's second client waits. A's server is idle, but only just: A keeps it, or two
        // busy loops would pass servers back and forth at a login each.
        assertNull(on(loopB, () -> pool.findServer(b2)));
        settle();
        assertNull(onA.closedBecause, "one server each: no donation for an idle spell of a busy loop");
        assertEquals(ClientState.WAITING, b2.state());
        clock.addAndGet(ShardDonations.DONATE_IDLE_AFTER_NANOS);
        on(loopA, () -> pool.shard(loopA).janitor());
        settle();
        assertEquals("slot given to clients on another event loop", onA.closedBecause, "idle for a second: given");
        assertEquals(3, launched.size());
        assertSame(loopB, launched.get(2).eventLoop());
    }

    @Test
    void theRequestIsWithdrawnWhenItsWaitersAreGone() throws Exception {
        pool(1, 0, 0);
        RecordingClient a = new RecordingClient(loopA);
        RecordingServer onA = loggedInServer(loopA, a);
        on(loopA, () -> pool.findServer(a));
        RecordingClient b = new RecordingClient(loopB);
        on(loopB, () -> pool.clientLogin(b));
        assertNull(on(loopB, () -> pool.findServer(b)));
        settle();
        on(loopB, () -> pool.clientClosed(b));
        on(loopA, () -> pool.releaseServer(onA));
        settle();
        assertNull(onA.closedBecause, "nobody waits on B any more: A keeps its server");
        assertEquals(ServerState.IDLE, onA.state());
    }

    // ---- failures and the janitor ----

    @Test
    void aFailedFirstLoginFailsTheWaitingClientsOfEveryShardAndHoldsLaterOnesUntilServerLoginRetry() throws Exception {
        pool(2, 0, 0);
        RecordingClient a = new RecordingClient(loopA);
        RecordingClient b = new RecordingClient(loopB);
        on(loopA, () -> pool.clientLogin(a));
        settle();
        on(loopB, () -> pool.clientLogin(b));
        assertEquals(1, launched.size(), "one login for the whole pool");
        ErrorResponse refused = ErrorResponse.fatal(SqlState.INVALID_PASSWORD, "password authentication failed");
        RecordingServer s = launched.get(0);
        on(loopA, () -> pool.serverLoginFailed(s, refused));
        settle();
        assertEquals(List.of(refused), a.failures);
        assertEquals(List.of(refused), b.failures, "fast fail reaches the other shard");
        assertEquals(0, pool.serverCount());
        assertEquals(0, dbServers.get());

        // As PgBouncer: a client arriving within server_login_retry is held, not answered with the old failure.
        RecordingClient late = new RecordingClient(loopB);
        on(loopB, () -> pool.clientLogin(late));
        assertEquals(List.of(), late.failures, "within server_login_retry: held");
        assertEquals(1, launched.size(), "and no new login before server_login_retry");

        clock.addAndGet(TimeUnit.SECONDS.toNanos(16));
        RecordingClient retry = new RecordingClient(loopB);
        on(loopB, () -> pool.clientLogin(retry));
        settle();
        assertEquals(2, launched.size(), "server_login_retry passed: a new login");
    }

    @Test
    void theJanitorFailsClientsThatWaitedLongerThanQueryWaitTimeout() throws Exception {
        pool(1, 0, 0);
        RecordingClient a = new RecordingClient(loopA);
        RecordingServer s = loggedInServer(loopA, a);
        on(loopA, () -> pool.findServer(a));
        RecordingClient b = new RecordingClient(loopA);
        on(loopA, () -> pool.clientLogin(b));
        on(loopA, () -> pool.findServer(b));
        on(loopA, () -> pool.shard(loopA).janitor());
        assertTrue(b.failures.isEmpty());
        clock.addAndGet(TimeUnit.SECONDS.toNanos(3));
        on(loopA, () -> pool.shard(loopA).janitor());
        assertEquals(1, b.failures.size());
        assertEquals("query_wait_timeout", b.failures.get(0).message());
        assertEquals(0, pool.snapshot().clWaiting());
        assertSame(s, a.server());
    }

    // ---- cancel requests ----

    @Test
    void cancelRequestsAndAServerBeingCanceledAreCountedInTheServersShard() throws Exception {
        pool(1, 0, 0);
        RecordingClient c = new RecordingClient(loopA);
        RecordingServer s = loggedInServer(loopA, c);
        on(loopA, () -> pool.findServer(c));
        Object requester = "the CancelRequest's own connection";
        PooledCancel cancel = on(loopA, () -> pool.cancelRequested(s, requester));
        assertCancelCounts(0, 1, 0, 0);
        assertEquals(List.of(cancel), on(loopA, () -> s.shard.cancelRequests()), "SHOW CLIENTS lists it");
        assertFalse(cancel.sent());
        on(loopA, () -> pool.cancelSent(cancel));
        assertCancelCounts(1, 0, 1, 0);
        assertTrue(cancel.sent());
        assertEquals(requester, cancel.requester());
        on(loopA, () -> pool.serverBeingCanceled(s));
        assertCancelCounts(1, 0, 1, 1);
        PoolSnapshot held = pool.snapshot();
        assertEquals(0, held.svActive(), "a server being canceled is not active");
        assertEquals(1, held.totalServers(), "it still counts towards pool_size");
        assertEquals(ServerState.BEING_CANCELED, s.state());
        assertNull(s.client(), "handed to nobody, its own client neither");
        assertNull(c.server(), "the client's next query waits for a server");
        on(loopA, () -> pool.cancelDone(cancel));
        on(loopA, () -> pool.cancelsDone(s));
        assertCancelCounts(0, 0, 0, 0);
        assertEquals(ServerState.ACTIVE, s.state(), "until the release that waited for the cancel");
        on(loopA, () -> pool.releaseServer(s));
        assertEquals(1, pool.snapshot().svIdle());
    }

    /**
     * PostgreSQL ended the session of a server that waited in sv_being_canceled (ClientChaosUnderChurnTest
     * found it): the release held back for the cancel came after the pool had dropped the server, and
     * put it back, linked to a waiting client whose query then went to a closed socket, its slot
     * counted twice. A closed server's late release goes to nobody.
     */
    @Test
    void aServerThatDiedWhileBeingCanceledIsNotReleasedAfterTheCancel() throws Exception {
        pool(1, 0, 0);
        RecordingClient c = new RecordingClient(loopA);
        RecordingServer s = loggedInServer(loopA, c);
        on(loopA, () -> pool.findServer(c));
        PooledCancel cancel = on(loopA, () -> pool.cancelRequested(s, c));
        on(loopA, () -> pool.cancelSent(cancel));
        on(loopA, () -> pool.serverBeingCanceled(s));
        RecordingClient waiting = new RecordingClient(loopA);
        on(loopA, () -> pool.clientLogin(waiting));
        assertNull(on(loopA, () -> pool.findServer(waiting)), "pool_size 1: it waits");
        on(loopA, () -> pool.serverClosed(s)); // its session ended while the cancel was on its way
        settle();
        assertEquals(2, launched.size(), "a server is launched for the waiting client");

        on(loopA, () -> pool.cancelDone(cancel));
        on(loopA, () -> pool.cancelsDone(s));
        on(loopA, () -> pool.releaseServer(s)); // the release the cancel held back
        assertNull(s.client(), "the closed server was given to " + s.client());
        assertNull(waiting.server(), "the waiting client waits for the launched server");
        assertEquals(ClientState.WAITING, waiting.state());
        assertEquals(0, pool.snapshot().svIdle(), "the closed server is not idle either");
        on(loopA, () -> pool.serverLoggedIn(launched.get(1), PARAMETERS));
        assertSame(launched.get(1), waiting.server());
        assertEquals(1, pool.serverCount(), "one server, the new one");
    }

    @Test
    void aCancelNeverConnectedLeavesTheWaitingList() throws Exception {
        pool(1, 0, 0);
        RecordingClient c = new RecordingClient(loopA);
        RecordingServer s = loggedInServer(loopA, c);
        on(loopA, () -> pool.findServer(c));
        PooledCancel cancel = on(loopA, () -> pool.cancelRequested(s, c));
        on(loopA, () -> pool.cancelDone(cancel));
        on(loopA, () -> pool.cancelSent(cancel)); // a late "sent" for a finished cancel counts nowhere
        assertCancelCounts(0, 0, 0, 0);
    }

    @Test
    void cancelBookkeepingRunsOnlyOnTheServersLoop() throws Exception {
        pool(1, 0, 0);
        RecordingClient c = new RecordingClient(loopA);
        RecordingServer s = loggedInServer(loopA, c);
        Exception offLoop = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> on(loopB, () -> pool.cancelRequested(s, c)));
        assertTrue(offLoop.getCause() instanceof IllegalStateException, offLoop.toString());
    }

    private void assertCancelCounts(int clActive, int clWaiting, int svActive, int svBeingCanceled) {
        PoolSnapshot p = pool.snapshot();
        assertEquals(List.of(clActive, clWaiting, svActive, svBeingCanceled),
                List.of(p.clActiveCancelReq(), p.clWaitingCancelReq(), p.svActiveCancel(), p.svBeingCanceled()),
                "cl_active_cancel_req, cl_waiting_cancel_req, sv_active_cancel, sv_being_canceled");
    }

    // ---- helpers ----

    /** A client logs in on {@code loop}; the pool's first server is launched there and logs in. */
    private RecordingServer loggedInServer(EventLoop loop, RecordingClient client) throws Exception {
        on(loop, () -> pool.clientLogin(client));
        settle();
        RecordingServer s = launched.get(launched.size() - 1);
        on(loop, () -> pool.serverLoggedIn(s, PARAMETERS));
        assertEquals(1, client.welcomed);
        return s;
    }

    private static PoolSettings withPoolSize(PoolSettings s, int size) {
        return new PoolSettings(s.poolMode(), size, s.minPoolSize(), s.reservePoolSize(), s.reservePoolTimeout(),
                s.maxDbConnections(), s.maxUserConnections(), s.serverIdleTimeout(), s.serverLifetime(),
                s.serverLoginRetry(), s.queryWaitTimeout(), s.serverCheckDelay(), s.pinOnSessionState(),
                s.listenMultiplex());
    }

    /** Lets the tasks the shards posted to each other run out. */
    private void settle() throws Exception {
        for (int i = 0; i < 5; i++) {
            on(loopA, () -> { });
            on(loopB, () -> { });
        }
    }

    private static void on(EventLoop loop, Runnable action) throws Exception {
        loop.submit(action).get(5, TimeUnit.SECONDS);
    }

    private static <T> T on(EventLoop loop, Callable<T> action) throws Exception {
        return loop.submit(action).get(5, TimeUnit.SECONDS);
    }

    private RecordingServer launch(Pool p, EventLoop loop) {
        RecordingServer server = new RecordingServer(p, loop, "S" + launched.size());
        launched.add(server);
        return server;
    }
}
