package io.pooler.pool;

import io.netty.channel.EventLoop;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;
import io.pooler.stats.PoolStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The clients and server connections of one (database, user) pair, each in the list of its state.
 *
 * <p>NOTE: every list and every state change is guarded by this pool's own lock, never a global one;
 * the lock is held only for list operations, and callbacks into connections run after it is released.
 * Relaying a query and its result takes no lock at all; in transaction mode a transaction takes it
 * once to get a server and once to give it back.
 */
public final class Pool {
    /** How many idle servers to look through for one on the client's own event loop. */
    private static final int SAME_LOOP_SCAN = 16;

    private final PoolKey key;
    private final ServerFactory serverFactory;
    private final PoolLimits limits;
    private final ReentrantLock lock = new ReentrantLock();

    private final StateList<PooledClient> loginClients = new StateList<>("cl_login");
    private final StateList<PooledClient> activeClients = new StateList<>("cl_active");
    private final StateList<PooledClient> waitingClients = new StateList<>("cl_waiting");
    private final StateList<PooledServer> loginServers = new StateList<>("sv_login");
    private final StateList<PooledServer> idleServers = new StateList<>("sv_idle");
    private final StateList<PooledServer> activeServers = new StateList<>("sv_active");
    private final StateList<PooledServer> usedServers = new StateList<>("sv_used");
    private final StateList<PooledServer> testedServers = new StateList<>("sv_tested");

    private volatile PoolSettings settings;
    /** ParameterStatus values of the first server that logged in; what new clients are told. */
    private volatile Map<String, String> welcomeParameters;
    private ErrorResponse lastLoginError;
    /** Which shared limit refused a launch since the last look; guarded by the lock. */
    private LimitHit limitHit = LimitHit.NONE;

    private enum LimitHit { NONE, DATABASE, USER }
    private long lastLoginFailureNanos;
    /** PAUSE: hold clients' requests, close servers as they are released. Written under the lock. */
    private volatile boolean paused;
    private final PoolStats stats = new PoolStats();

    public Pool(PoolKey key, PoolSettings settings, ServerFactory serverFactory, PoolLimits limits) {
        this.key = key;
        this.settings = settings;
        this.serverFactory = serverFactory;
        this.limits = limits;
    }

    public PoolKey key() {
        return key;
    }

    public PoolSettings settings() {
        return settings;
    }

    /** The pool's SHOW STATS counters and latency histograms. */
    public PoolStats stats() {
        return stats;
    }

    /** A reload changed the limits; they apply to the next decision the pool takes. */
    public void updateSettings(PoolSettings newSettings) {
        this.settings = newSettings;
    }

    /** Null until a server has logged in. */
    public Map<String, String> welcomeParameters() {
        return welcomeParameters;
    }

    // ---- clients ----

    /**
     * An authenticated client joins the pool. If the pool already knows the server parameters the
     * client is told at once (on this thread), otherwise when the first server has logged in.
     */
    public void clientLogin(PooledClient client) {
        PooledServer launch = null;
        boolean ready;
        lock.lock();
        try {
            ready = welcomeParameters != null;
            if (ready) {
                moveClient(client, activeClients, ClientState.ACTIVE);
            } else {
                // As PgBouncer, a pool that never logged in holds the client (up to client_login_timeout)
                // rather than replaying an old failure: the janitor retries after server_login_retry.
                moveClient(client, loginClients, ClientState.LOGIN);
                if (loginServers.isEmpty() && !paused && recentLoginFailure() == null) {
                    launch = launchServer(client.eventLoop());
                }
            }
        } finally {
            lock.unlock();
        }
        afterLaunchDecision(launch);
        if (ready) {
            client.onWelcomeReady();
        }
    }

    /**
     * The client needs a server: returns a linked one at once when one is idle (preferring one on the
     * client's own event loop), or null after queueing the client, which then hears back through
     * {@link PooledClient#onServerAssigned} or {@link PooledClient#onWaitFailed}.
     */
    public PooledServer findServer(PooledClient client) {
        PooledServer launch = null;
        PooledServer check = null;
        PooledServer found;
        ErrorResponse failFast = null;
        lock.lock();
        try {
            if (client.server != null) {
                return client.server;
            }
            found = paused ? null : takeIdleServer(client.eventLoop());
            if (found != null) {
                link(client, found);
            } else if (totalServers() == 0 && (failFast = recentLoginFailure()) != null) {
                // fall through: answered below, outside the lock
            } else {
                moveClient(client, waitingClients, ClientState.WAITING);
                client.waitStartNanos = System.nanoTime();
                check = usedServers.first();
                if (check != null) {
                    moveServer(check, testedServers, ServerState.TESTED);
                } else {
                    launch = maybeLaunch(client.eventLoop());
                }
            }
        } finally {
            lock.unlock();
        }
        if (check != null) {
            check.runCheckQuery();
        }
        afterLaunchDecision(launch);
        if (failFast != null) {
            client.onWaitFailed(failFast);
        }
        return found;
    }

    /** The client is gone. Its server, if any, stays linked: the caller decides whether it is clean. */
    public void clientClosed(PooledClient client) {
        lock.lock();
        try {
            removeClient(client);
            client.state = ClientState.CLOSED;
        } finally {
            lock.unlock();
        }
    }

    // ---- servers ----

    /**
     * A server finished logging in: its parameters become the pool's welcome values if it is the
     * first, and it goes to a waiting client or to the idle list.
     */
    public void serverLoggedIn(PooledServer server, Map<String, String> parameters) {
        List<PooledClient> welcomed = List.of();
        lock.lock();
        try {
            lastLoginError = null;
            if (welcomeParameters == null) {
                welcomeParameters = Map.copyOf(parameters);
                welcomed = drainLoginClients();
            }
        } finally {
            lock.unlock();
        }
        welcomed.forEach(PooledClient::onWelcomeReady);
        releaseServer(server, false); // as PgBouncer: lifetime is not enforced on the release after login
    }

    /** Logging in failed (refused, timed out, or an error from PostgreSQL). */
    public void serverLoginFailed(PooledServer server, ErrorResponse error) {
        List<PooledClient> failed = new ArrayList<>();
        lock.lock();
        try {
            removeServer(server);
            releaseLimitSlots(server);
            lastLoginError = error;
            lastLoginFailureNanos = System.nanoTime();
            if (totalServers() == 0) {
                // PgBouncer's fast fail: with no server at all, nobody waits for one that cannot come.
                failed.addAll(drainLoginClients());
                waitingClients.forEach(c -> {
                    removeClient(c);
                    moveClient(c, activeClients, ClientState.ACTIVE);
                    failed.add(c);
                });
            }
        } finally {
            lock.unlock();
        }
        failed.forEach(c -> c.onWaitFailed(error));
    }

    /**
     * A server is clean and free again: it goes to the first waiting client, or to the front of the
     * idle list. A server marked close-needed, or past its lifetime, is closed instead.
     */
    public void releaseServer(PooledServer server) {
        releaseServer(server, true);
    }

    private void releaseServer(PooledServer server, boolean enforceLifetime) {
        PooledClient next = null;
        PooledServer launch = null;
        boolean close = false;
        lock.lock();
        try {
            unlink(server);
            if (server.closeNeeded || paused || enforceLifetime && pastLifetime(server, System.nanoTime())) {
                removeServer(server);
                close = true;
                if (!waitingClients.isEmpty()) {
                    launch = maybeLaunch(waitingClients.first().eventLoop());
                }
            } else {
                next = waitingClients.first();
                if (next != null) {
                    link(next, server);
                } else if (settings.serverCheckDelay().isZero()) {
                    // server_check_delay = 0: the check runs before every reuse.
                    moveServer(server, usedServers, ServerState.USED);
                } else {
                    moveServer(server, idleServers, ServerState.IDLE);
                    server.idleSinceNanos = System.nanoTime();
                }
            }
        } finally {
            lock.unlock();
        }
        if (close) {
            server.close(server.closeNeeded ? "close needed" : paused ? "pause" : "server lifetime over");
        }
        afterLaunchDecision(launch);
        if (next != null) {
            next.onServerAssigned(server);
        }
    }

    /** The server left its client but needs cleaning (reset query) before anyone else may have it. */
    public void serverNeedsReset(PooledServer server) {
        lock.lock();
        try {
            unlink(server);
            moveServer(server, testedServers, ServerState.TESTED);
        } finally {
            lock.unlock();
        }
    }

    /** The server's connection is closed, for whatever reason. */
    public void serverClosed(PooledServer server) {
        PooledServer launch = null;
        lock.lock();
        try {
            unlink(server);
            removeServer(server);
            releaseLimitSlots(server);
            if (!waitingClients.isEmpty()) {
                launch = maybeLaunch(waitingClients.first().eventLoop());
            }
        } finally {
            lock.unlock();
        }
        afterLaunchDecision(launch);
    }

    // ---- maintenance and reporting ----

    /**
     * Timed maintenance, called about once a second: closes servers idle longer than
     * server_idle_timeout (keeping min_pool_size) or past server_lifetime, fails clients that waited
     * longer than query_wait_timeout, and opens servers that waiting clients need.
     */
    public void janitor(EventLoop loopForWarmup) {
        long now = System.nanoTime();
        PoolSettings s = settings;
        List<PooledServer> toClose = new ArrayList<>();
        List<PooledClient> timedOut = new ArrayList<>();
        PooledServer launch = null;
        PooledServer check = null;
        lock.lock();
        try {
            idleServers.forEach(server -> {
                long idleNanos = now - server.idleSinceNanos;
                boolean idleTooLong = !s.serverIdleTimeout().isZero()
                        && idleNanos > s.serverIdleTimeout().toNanos()
                        && totalServers() > s.minPoolSize();
                if (idleTooLong || pastLifetime(server, now) || server.closeNeeded) {
                    removeServer(server);
                    toClose.add(server);
                } else if (idleNanos > s.serverCheckDelay().toNanos()) {
                    moveServer(server, usedServers, ServerState.USED);
                }
            });
            usedServers.forEach(server -> {
                boolean idleTooLong = !s.serverIdleTimeout().isZero()
                        && now - server.idleSinceNanos > s.serverIdleTimeout().toNanos()
                        && totalServers() > s.minPoolSize();
                if (idleTooLong || pastLifetime(server, now) || server.closeNeeded) {
                    removeServer(server);
                    toClose.add(server);
                }
            });
            if (!s.queryWaitTimeout().isZero()) {
                waitingClients.forEach(client -> {
                    if (now - client.waitStartNanos > s.queryWaitTimeout().toNanos()) {
                        removeClient(client);
                        moveClient(client, activeClients, ClientState.ACTIVE);
                        timedOut.add(client);
                    }
                });
            }
            if (!waitingClients.isEmpty()) {
                PooledClient first = waitingClients.first();
                check = usedServers.first();
                if (check != null) {
                    moveServer(check, testedServers, ServerState.TESTED);
                } else {
                    launch = maybeLaunch(first.eventLoop());
                }
            } else if (!loginClients.isEmpty() && loginServers.isEmpty() && recentLoginFailure() == null) {
                launch = launchServer(loginClients.first().eventLoop());
            } else if (welcomeParameters != null && totalServers() < Math.min(s.minPoolSize(), s.poolSize())
                    && recentLoginFailure() == null && loopForWarmup != null) {
                launch = launchServer(loopForWarmup); // min_pool_size: kept warm
            }
        } finally {
            lock.unlock();
        }
        toClose.forEach(server -> server.close("server idle timeout or lifetime"));
        ErrorResponse timeout = ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "query_wait_timeout");
        timedOut.forEach(client -> client.onWaitFailed(timeout));
        if (check != null) {
            check.runCheckQuery();
        }
        afterLaunchDecision(launch);
    }

    /** Marks every server to be closed instead of reused, and closes the idle ones now (RECONNECT, reload). */
    public void reconnectAll() {
        List<PooledServer> idle = new ArrayList<>();
        lock.lock();
        try {
            for (StateList<PooledServer> list : List.of(loginServers, idleServers, activeServers, usedServers, testedServers)) {
                list.forEach(PooledServer::markCloseNeeded);
            }
            idleServers.forEach(server -> {
                removeServer(server);
                idle.add(server);
            });
            usedServers.forEach(server -> {
                removeServer(server);
                idle.add(server);
            });
        } finally {
            lock.unlock();
        }
        idle.forEach(server -> server.close("reconnect"));
    }

    /** Closes every idle server; the rest close as they are released (shutdown). */
    public void closeIdleServers(String reason) {
        List<PooledServer> idle = new ArrayList<>();
        lock.lock();
        try {
            for (StateList<PooledServer> list : List.of(idleServers, usedServers)) {
                list.forEach(server -> {
                    server.markCloseNeeded();
                    removeServer(server);
                    idle.add(server);
                });
            }
        } finally {
            lock.unlock();
        }
        idle.forEach(server -> server.close(reason));
    }

    public PoolSnapshot snapshot() {
        lock.lock();
        try {
            long maxWait = 0;
            PooledClient oldest = waitingClients.first();
            if (oldest != null) {
                maxWait = (System.nanoTime() - oldest.waitStartNanos) / 1000;
            }
            return new PoolSnapshot(key, loginClients.size(), activeClients.size(), waitingClients.size(),
                    activeServers.size(), idleServers.size(), usedServers.size(), testedServers.size(),
                    loginServers.size(), maxWait);
        } finally {
            lock.unlock();
        }
    }

    /** Clients of this pool (logged in or waiting) and servers, for SHOW CLIENTS / SERVERS and shutdown. */
    public List<PooledClient> clients() {
        List<PooledClient> all = new ArrayList<>();
        lock.lock();
        try {
            loginClients.forEach(all::add);
            activeClients.forEach(all::add);
            waitingClients.forEach(all::add);
        } finally {
            lock.unlock();
        }
        return all;
    }

    public List<PooledServer> servers() {
        List<PooledServer> all = new ArrayList<>();
        lock.lock();
        try {
            for (StateList<PooledServer> list : List.of(activeServers, idleServers, usedServers, testedServers, loginServers)) {
                list.forEach(all::add);
            }
        } finally {
            lock.unlock();
        }
        return all;
    }

    // ---- PAUSE and RESUME ----

    /**
     * PAUSE: from now on clients queue for a server instead of getting one, and every server is closed
     * as soon as it is released (in transaction mode at the end of the running transaction). Idle
     * servers close now. The pause is over for the caller when {@link #snapshot()} counts no server.
     */
    public void pause() {
        lock.lock();
        try {
            paused = true;
        } finally {
            lock.unlock();
        }
        closeIdleServers("pause");
    }

    /** RESUME: the queued clients get servers again. */
    public void resume() {
        List<PooledServer> launches = new ArrayList<>();
        lock.lock();
        try {
            paused = false;
            if (!loginClients.isEmpty() && loginServers.isEmpty() && welcomeParameters == null) {
                launches.add(launchServer(loginClients.first().eventLoop()));
            }
            PooledServer launch;
            while (!waitingClients.isEmpty() && (launch = maybeLaunch(waitingClients.first().eventLoop())) != null) {
                launches.add(launch);
            }
        } finally {
            lock.unlock();
        }
        launches.forEach(PooledServer::connect);
    }

    public boolean isPaused() {
        return paused;
    }

    // ---- internals, all under the lock ----

    private PooledServer takeIdleServer(EventLoop preferred) {
        PooledServer server = idleServers.findFirst(s -> s.eventLoop() == preferred, SAME_LOOP_SCAN);
        if (server == null) {
            server = idleServers.first();
        }
        if (server != null) {
            idleServers.remove(server);
            server.state = ServerState.CLOSED; // in no list until link() places it
        }
        return server;
    }

    /** Launches one more server if clients are waiting for more than the logins under way can serve. */
    private PooledServer maybeLaunch(EventLoop loop) {
        PoolSettings s = settings;
        if (paused || waitingClients.size() <= loginServers.size()) {
            return null;
        }
        if (totalServers() >= allowedServers(s)) {
            return null;
        }
        if (lastLoginError != null
                && System.nanoTime() - lastLoginFailureNanos < s.serverLoginRetry().toNanos()) {
            return null; // server_login_retry: the janitor tries again later
        }
        return launchServer(loop);
    }

    /** pool_size, plus reserve_pool_size once the oldest waiting client has waited reserve_pool_timeout. */
    private int allowedServers(PoolSettings s) {
        int allowed = s.poolSize();
        PooledClient oldest = waitingClients.first();
        if (s.reservePoolSize() > 0 && oldest != null
                && System.nanoTime() - oldest.waitStartNanos >= s.reservePoolTimeout().toNanos()) {
            allowed += s.reservePoolSize();
        }
        return allowed;
    }

    /** Null when max_db_connections or max_user_connections is full; {@link #limitHit} says which. */
    private PooledServer launchServer(EventLoop loop) {
        PoolSettings s = settings;
        if (!limits.databaseServers().tryAcquire(s.maxDbConnections())) {
            limitHit = LimitHit.DATABASE;
            return null;
        }
        if (!limits.userServers().tryAcquire(s.maxUserConnections())) {
            limits.databaseServers().release();
            limitHit = LimitHit.USER;
            return null;
        }
        PooledServer server = serverFactory.newServer(this, loop);
        server.holdsLimitSlots = true;
        moveServer(server, loginServers, ServerState.LOGIN);
        return server;
    }

    private void releaseLimitSlots(PooledServer server) {
        if (server.holdsLimitSlots) {
            server.holdsLimitSlots = false;
            limits.databaseServers().release();
            limits.userServers().release();
        }
    }

    /**
     * Outside the lock: connects a launched server, or, when a shared limit stopped the launch,
     * closes an idle server of another pool of the same database (or user) to make room, as
     * PgBouncer does; the janitor launches into the freed slot.
     */
    private void afterLaunchDecision(PooledServer launch) {
        if (launch != null) {
            launch.connect();
            return;
        }
        LimitHit hit;
        lock.lock();
        try {
            hit = limitHit;
            limitHit = LimitHit.NONE;
        } finally {
            lock.unlock();
        }
        if (hit == LimitHit.DATABASE) {
            limits.closeIdleServerOfSameDatabase().test(this);
        } else if (hit == LimitHit.USER) {
            limits.closeIdleServerOfSameUser().test(this);
        }
    }

    /** Closes one idle server of this pool, if it has one, to free a database slot for another pool. */
    public boolean closeOneIdleServer() {
        PooledServer victim;
        lock.lock();
        try {
            victim = idleServers.first();
            if (victim == null) {
                victim = usedServers.first();
            }
            if (victim != null) {
                removeServer(victim);
            }
        } finally {
            lock.unlock();
        }
        if (victim != null) {
            victim.close("freeing a slot of max_db_connections or max_user_connections for another pool");
            return true;
        }
        return false;
    }

    private ErrorResponse recentLoginFailure() {
        if (lastLoginError != null
                && System.nanoTime() - lastLoginFailureNanos < settings.serverLoginRetry().toNanos()) {
            return lastLoginError;
        }
        return null;
    }

    private List<PooledClient> drainLoginClients() {
        List<PooledClient> drained = new ArrayList<>();
        loginClients.forEach(c -> {
            loginClients.remove(c);
            drained.add(c);
            activeClients.addLast(c);
            c.state = ClientState.ACTIVE;
        });
        return drained;
    }

    private void link(PooledClient client, PooledServer server) {
        stats.serverAssigned(client.state == ClientState.WAITING ? System.nanoTime() - client.waitStartNanos : 0);
        if (client.list != null) {
            removeClient(client);
        }
        moveClient(client, activeClients, ClientState.ACTIVE);
        if (server.list != null) {
            removeServer(server);
        }
        moveServer(server, activeServers, ServerState.ACTIVE);
        server.client = client;
        client.server = server;
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
    private boolean pastLifetime(PooledServer server, long now) {
        Duration lifetime = settings.serverLifetime();
        return now - server.createdNanos() > lifetime.toNanos();
    }

    private int totalServers() {
        return loginServers.size() + idleServers.size() + activeServers.size() + usedServers.size()
                + testedServers.size();
    }

    private void moveClient(PooledClient client, StateList<PooledClient> to, ClientState state) {
        if (client.list != null) {
            removeClient(client);
        }
        to.addLast(client);
        client.state = state;
    }

    @SuppressWarnings("unchecked")
    private void removeClient(PooledClient client) {
        if (client.list != null) {
            ((StateList<PooledClient>) client.list).remove(client);
        }
    }

    private void moveServer(PooledServer server, StateList<PooledServer> to, ServerState state) {
        if (server.list != null) {
            removeServer(server);
        }
        if (state == ServerState.IDLE) {
            to.addFirst(server);
        } else {
            to.addLast(server);
        }
        server.state = state;
    }

    @SuppressWarnings("unchecked")
    private void removeServer(PooledServer server) {
        if (server.list != null) {
            ((StateList<PooledServer>) server.list).remove(server);
        }
        server.state = ServerState.CLOSED;
    }
}
