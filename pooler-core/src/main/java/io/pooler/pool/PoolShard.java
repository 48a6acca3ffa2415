package io.pooler.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;

import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The part of a {@link Pool} that lives on one event loop: what happens to the clients of that loop
 * and the servers launched on it. A client is only ever linked to a server of its own shard, so
 * linking, relaying and releasing are plain calls on one thread. {@link #releaseServer} is the one
 * place that decides what happens when a server comes back ("a transaction ended").
 *
 * <p>The shard's parts, each owned by the same loop:
 * <ul>
 *   <li>{@link ShardLists}: the state lists (cl_login, sv_idle ...); each connection's state is its list;
 *   <li>{@link ShardLauncher}: launching servers under pool_size, max_db_connections, max_user_connections;
 *   <li>{@link ShardDonations}: giving servers to, and taking them from, the pool's other shards;
 *   <li>{@link ShardJanitor}: the timed maintenance, and closing idle servers on demand.
 * </ul>
 *
 * <p>NOTE: owned by {@link #loop()}; every method but {@link #loop()} and {@link #pool()} runs on it
 * (checked). What spans loops lives in the pool: the server count behind pool_size, the welcome
 * parameters, the last login failure and PAUSE, all atomic or immutable.
 */
public final class PoolShard {
    private final Pool pool;
    private final EventLoop loop;
    final ShardLists lists;
    final ShardLauncher launcher;
    final ShardDonations donations;
    private final ShardJanitor janitor;

    PoolShard(Pool pool, EventLoop loop) {
        this.pool = pool;
        this.loop = loop;
        this.lists = new ShardLists(pool);
        this.launcher = new ShardLauncher(this, lists);
        this.donations = new ShardDonations(this, lists);
        this.janitor = new ShardJanitor(this, lists);
    }

    public EventLoop loop() {
        return loop;
    }

    public Pool pool() {
        return pool;
    }

    // ---- clients ----

    /** An authenticated client joins the pool: welcomed now when the pool knows the server parameters. */
    public void clientLogin(PooledClient client) {
        checkLoop();
        client.shard = this;
        lists.clientCounted();
        if (pool.welcomeParameters() != null) {
            lists.moveClient(client, lists.activeClients, ClientState.ACTIVE);
            client.onWelcomeReady();
            return;
        }
        // As PgBouncer, a pool that never logged in holds the client (up to client_login_timeout) rather
        // than replaying an old failure: the janitor retries after server_login_retry.
        lists.moveClient(client, lists.loginClients, ClientState.LOGIN);
        if (!pool.isPaused() && pool.recentLoginFailure() == null) {
            launcher.launchForLogin();
        }
    }

    /**
     * The client needs a server: returns a linked one at once when one is idle, or null after queueing
     * the client, which then hears back through {@link PooledClient#onServerAssigned} or
     * {@link PooledClient#onWaitFailed}.
     */
    public PooledServer findServer(PooledClient client) {
        checkLoop();
        client.shard = this;
        if (client.server != null) {
            return client.server;
        }
        if (pool.refusesServers()) {
            client.onWaitFailed(ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN, ShutdownTexts.SERVER_SHUTTING_DOWN));
            return null;
        }
        PooledServer found = pool.isPaused() ? null : lists.idleServers.first();
        if (found != null) {
            link(client, found, waitedNanos(client));
            return found;
        }
        ErrorResponse failFast = pool.serverCount() == 0 ? pool.recentLoginFailure() : null;
        if (failFast != null) {
            client.onWaitFailed(failFast);
            return null;
        }
        lists.moveClient(client, lists.waitingClients, ClientState.WAITING);
        client.waitStartNanos = pool.now();
        checkUsedServerOrLaunch();
        return null;
    }

    /** The client is gone. Its server, if any, stays linked: the caller decides whether it is clean. */
    public void clientClosed(PooledClient client) {
        checkLoop();
        if (client.list != null) {
            lists.clientUncounted();
        }
        lists.removeClient(client);
        client.state = ClientState.CLOSED;
        donations.withdrawRequestIfNobodyWaits();
    }

    // ---- servers ----

    /**
     * A server of this shard finished logging in: its parameters become the pool's welcome values if it
     * is the first of the pool (and every shard's logging-in clients are welcomed), and it goes to a
     * waiting client or to the idle list.
     */
    public void serverLoggedIn(PooledServer server, Map<String, String> parameters) {
        checkLoop();
        if (pool.loginSucceeded(parameters)) {
            welcomeLoginClientsOfEveryShard();
        }
        releaseServer(server, false); // as PgBouncer: lifetime is not enforced on the release after login
    }

    /** Logging in failed (refused, timed out, or an error from PostgreSQL). */
    public void serverLoginFailed(PooledServer server, ErrorResponse error) {
        checkLoop();
        lists.dropServer(server);
        launcher.releaseLimitSlots(server);
        if (pool.loginFailed(error)) {
            launcher.retryAfterTransientFailure();
            return; // PostgreSQL restarting: the clients wait for the retry (issue 12, bug 3)
        }
        if (pool.serverCount() == 0) {
            // PgBouncer's fast fail: with no server at all, nobody waits for one that cannot come.
            failFast(error);
            for (PoolShard other : pool.shards()) {
                if (other != this) {
                    other.post(() -> other.failFastIfNoServer(error));
                }
            }
        } else {
            launcher.maybeLaunch(); // backing off now: the waiting clients ask the other shards instead
        }
    }

    /**
     * PgBouncer's release_server: a server is clean and free again. It goes to the first waiting
     * client, or to another shard's waiting clients (as a freed slot), or to the front of the idle
     * list. A server marked close-needed, or past its lifetime, or released during PAUSE, is closed.
     */
    public void releaseServer(PooledServer server) {
        releaseServer(server, true);
    }

    void releaseServer(PooledServer server, boolean enforceLifetime) {
        checkLoop();
        if (server.state == ServerState.CLOSED) {
            // NOTE: serverClosed has dropped it and freed its slot; a release that comes after that (the
            // one a cancel in flight held back, when the session ended meanwhile) must not list it again.
            return;
        }
        unlink(server);
        long now = pool.now();
        if (server.closeNeeded || pool.isPaused() || enforceLifetime && pastLifetime(server, now)) {
            String reason = server.closeNeeded ? "close needed" : pool.isPaused() ? "pause" : "server lifetime over";
            lists.dropServer(server);
            server.close(reason);
            slotFreed();
            return;
        }
        PooledClient next = lists.waitingClients.first();
        DonationRequest request = donations.claimDueRequest(next, server);
        if (request != null) {
            donations.donate(server, request);
            return;
        }
        if (next != null) {
            link(next, server, now - next.waitStartNanos); // next waits: it is first on the waiting list
            next.onServerAssigned(server);
        } else if (pool.settings().serverCheckDelay().isZero()) {
            // server_check_delay = 0: the check runs before every reuse.
            lists.moveServer(server, lists.usedServers, ServerState.USED);
            server.idleSinceNanos = now;
        } else {
            lists.moveServer(server, lists.idleServers, ServerState.IDLE);
            server.idleSinceNanos = now;
        }
    }

    /** The server left its client but needs cleaning (reset query) before anyone else may have it. */
    public void serverNeedsReset(PooledServer server) {
        checkLoop();
        unlink(server);
        lists.moveServer(server, lists.testedServers, ServerState.TESTED);
    }

    /** The server's connection is closed, for whatever reason. */
    public void serverClosed(PooledServer server) {
        checkLoop();
        donations.endMove(server); // closed on its way from another loop
        unlink(server);
        boolean freed = lists.dropServer(server);
        launcher.releaseLimitSlots(server);
        if (freed) {
            slotFreed();
        } else if (!lists.waitingClients.isEmpty()) {
            launcher.maybeLaunch(); // a shared limit (max_db_connections, max_user_connections) may have room now
        }
    }

    // ---- replication clients (PgBouncer 1.23+): a server of their own ----

    /**
     * Launches a server for {@code client} alone (a replication connection): it counts in pool_size,
     * max_db_connections and max_user_connections as any server of the pool, and the client is cl_active
     * meanwhile. When pool_size is used up, an idle server of the pool is closed to make room, as
     * PgBouncer's launch_new_connection evicts for a replication client. Null when there is no room
     * (or the pool is paused): the caller tries again later. The caller links the two with
     * {@link #dedicatedServerReady} once the server has logged in; it is never idle and never reused.
     */
    public PooledServer launchDedicated(PooledClient client) {
        checkLoop();
        client.shard = this;
        if (client.state != ClientState.ACTIVE) {
            lists.moveClient(client, lists.activeClients, ClientState.ACTIVE);
        }
        if (pool.isPaused()) {
            return null;
        }
        return launcher.launchDedicated();
    }

    /**
     * The server {@link #launchDedicated} opened for {@code client} logged in: the two are linked for good.
     * As any first login of the pool, its parameters become what the pool's new clients are told (the
     * clients logging in meanwhile waited for it: the pool had a server, so none was launched for them).
     */
    public void dedicatedServerReady(PooledClient client, PooledServer server, Map<String, String> parameters) {
        checkLoop();
        if (pool.loginSucceeded(parameters)) {
            welcomeLoginClientsOfEveryShard();
        }
        link(client, server, waitedNanos(client));
    }

    // ---- cancel requests ----

    /**
     * A client's CancelRequest is about to be forwarded to {@code target}, a server of this shard: it
     * counts in cl_waiting_cancel_req until {@link #cancelSent}, then in cl_active_cancel_req until
     * {@link #cancelDone}. {@code requester}: the connection the request came on.
     */
    public PooledCancel cancelRequested(PooledServer target, Object requester) {
        checkLoop();
        if (target.shard != this) {
            throw new IllegalStateException(target + " is not a server of " + this);
        }
        PooledCancel cancel = new PooledCancel(target, requester);
        lists.waitingCancelRequests.addLast(cancel);
        return cancel;
    }

    /** The cancel's connection to PostgreSQL is open and the request on its way. */
    public void cancelSent(PooledCancel cancel) {
        checkLoop();
        if (cancel.list == lists.waitingCancelRequests) {
            lists.waitingCancelRequests.remove(cancel);
            lists.activeCancelRequests.addLast(cancel);
        }
    }

    /** The cancel's connection is closed (PostgreSQL has signalled the backend) or could not be opened. */
    public void cancelDone(PooledCancel cancel) {
        checkLoop();
        ShardLists.unlist(cancel);
    }

    /**
     * The server's client gave it back while a cancel to it is in flight: it waits in sv_being_canceled,
     * handed to nobody until {@link #cancelsDone}, its own client neither, as in PgBouncer. That
     * client's next query waits for a server like any other: sent to this one at once, it could be
     * the one the cancel, still on its way, stops.
     */
    public void serverBeingCanceled(PooledServer server) {
        checkLoop();
        if (server.state == ServerState.ACTIVE) {
            unlink(server);
            lists.moveServer(server, lists.beingCanceledServers, ServerState.BEING_CANCELED);
        }
    }

    /**
     * The last cancel to the server is done: sv_active, linked to nobody, until the release that was
     * held back gives it to the pool, at once after this.
     */
    public void cancelsDone(PooledServer server) {
        checkLoop();
        if (server.state == ServerState.BEING_CANCELED) {
            lists.moveServer(server, lists.activeServers, ServerState.ACTIVE);
        }
    }

    // ---- maintenance and reporting ----

    /**
     * Timed maintenance, about three times a second: closes servers idle longer than
     * server_idle_timeout (keeping min_pool_size) or past server_lifetime, moves servers idle longer
     * than server_check_delay to sv_used, fails clients that waited longer than query_wait_timeout, and
     * opens servers that waiting clients need.
     */
    public void janitor() {
        checkLoop();
        janitor.round();
    }

    /** Marks every server to be closed instead of reused, and closes the idle ones now (RECONNECT, reload). */
    public void reconnectAll() {
        checkLoop();
        janitor.reconnectAll();
    }

    /** Closes every idle server; the rest close as they are released (shutdown, PAUSE). */
    public void closeIdleServers(String reason) {
        checkLoop();
        janitor.closeIdleServers(reason);
    }

    /** RESUME: the queued clients get servers again. */
    void resume() {
        checkLoop();
        if (!lists.loginClients.isEmpty() && pool.welcomeParameters() == null) {
            launcher.launchForLogin();
        }
        while (launcher.maybeLaunch()) {
            // one server per waiting client beyond the logins under way, up to the pool's size
        }
    }

    /** Closes one idle server to free a max_db_connections or max_user_connections slot for another pool. */
    boolean closeOneIdleServer(AtomicBoolean claim) {
        checkLoop();
        return janitor.closeOneIdleServer(claim);
    }

    /** This shard's counts; the pool adds up the shards' for SHOW POOLS. */
    public PoolSnapshot snapshot() {
        checkLoop();
        return lists.snapshot();
    }

    /** Clients of this shard (logging in, active or waiting), for SHOW CLIENTS, KILL and shutdown. */
    public List<PooledClient> clients() {
        checkLoop();
        return lists.clients();
    }

    /**
     * Visits the waiting clients, oldest first, without copying the list (a janitor tick with thousands
     * of clients). The action may not move any other client.
     */
    public void forEachWaitingClient(Consumer<PooledClient> action) {
        checkLoop();
        lists.waitingClients.forEach(action);
    }

    public List<PooledServer> servers() {
        checkLoop();
        return lists.servers();
    }

    /** The cancel requests for this shard's servers, waiting ones first, for SHOW CLIENTS. */
    public List<PooledCancel> cancelRequests() {
        checkLoop();
        return lists.cancelRequests();
    }

    /** Clients of this shard as last published; read by other shards' loops. */
    int publishedClients() {
        return lists.publishedClients();
    }

    // ---- internals ----

    /** A waiting client needs a server: a used one is checked for it, or else one is launched. */
    void checkUsedServerOrLaunch() {
        PooledServer check = lists.usedServers.first();
        if (check != null) {
            lists.moveServer(check, lists.testedServers, ServerState.TESTED);
            check.runCheckQuery();
        } else {
            launcher.maybeLaunch();
        }
    }

    /** A server of this shard left the pool's count: it goes to our waiters, else to another shard's. */
    private void slotFreed() {
        if (!lists.waitingClients.isEmpty()) {
            launcher.maybeLaunch();
            return;
        }
        donations.giveFreedSlot();
    }

    /** The pool's first login: this shard's logging-in clients are welcomed now, the other shards' by a task. */
    private void welcomeLoginClientsOfEveryShard() {
        welcomeLoginClients();
        for (PoolShard other : pool.shards()) {
            if (other != this) {
                other.post(other::welcomeLoginClients);
            }
        }
    }

    void welcomeLoginClients() {
        checkLoop();
        List<PooledClient> welcomed = lists.drainLoginClients();
        welcomed.forEach(PooledClient::onWelcomeReady);
    }

    private void failFastIfNoServer(ErrorResponse error) {
        checkLoop();
        if (pool.serverCount() == 0) {
            failFast(error);
        }
    }

    private void failFast(ErrorResponse error) {
        List<PooledClient> failed = lists.drainLoginClients();
        lists.waitingClients.forEach(c -> {
            lists.moveClient(c, lists.activeClients, ClientState.ACTIVE);
            failed.add(c);
        });
        donations.withdrawRequest();
        failed.forEach(c -> c.onWaitFailed(error));
    }

    /** NOTE: reads the clock only for a waiting client; the release path passes the time it has read already. */
    private long waitedNanos(PooledClient client) {
        return client.state == ClientState.WAITING ? pool.now() - client.waitStartNanos : 0;
    }

    /** @param waitedNanos how long the client waited for a server (SHOW STATS' wait time); 0 if it did not */
    private void link(PooledClient client, PooledServer server, long waitedNanos) {
        assert client.eventLoop() == server.eventLoop() : client + " and " + server + " on different event loops";
        pool.stats().serverAssigned(waitedNanos);
        lists.moveClient(client, lists.activeClients, ClientState.ACTIVE);
        lists.moveServer(server, lists.activeServers, ServerState.ACTIVE);
        server.client = client;
        client.server = server;
        donations.withdrawRequestIfNobodyWaits();
    }

    private void unlink(PooledServer server) {
        PooledClient client = server.client;
        if (client != null) {
            if (client.server == server) {
                client.server = null;
            }
            server.client = null;
        }
    }

    /** server_lifetime; 0 means PgBouncer's "used only once". */
    boolean pastLifetime(PooledServer server, long now) {
        return now - server.createdNanos > pool.settings().serverLifetime().toNanos();
    }

    /** Runs {@code task} on this shard's loop later; dropped when the loop is shutting down. */
    void post(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // the process is going down: nothing waits for this shard any more
        }
    }

    /**
     * As {@link #post}, but a loop asleep is not woken for it: the task runs when the loop next wakes,
     * for its own sockets or its timers (the janitor's round). For a message whose receiver acts on it
     * only at such a wake-up anyway (a donation request to a shard with no idle server: it can give
     * one up only when one of its own is released). Waking a loop costs a write to its eventfd and a
     * context switch; pgbench -S -c 50 on a pool of 20 over two loops woke the other loop once every
     * 20 or so transactions for requests that then waited.
     */
    void postWithoutWakeUp(Runnable task) {
        if (!(loop instanceof SingleThreadEventExecutor executor)) {
            post(task);
            return;
        }
        try {
            executor.lazyExecute(task);
        } catch (RejectedExecutionException e) {
            // the process is going down: nothing waits for this shard any more
        }
    }

    void checkLoop() {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("pool shard " + pool.key() + " used off its event loop");
        }
    }

    @Override
    public String toString() {
        return "shard of " + pool.key() + " on " + loop;
    }
}
