package io.pooler.pool;

import io.netty.channel.EventLoop;
import io.pooler.protocol.ErrorResponse;
import io.pooler.stats.PoolStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The clients and server connections of one (database, user) pair: one {@link PoolShard} per event
 * loop, each holding the state lists of its loop's connections, plus what spans the loops.
 *
 * <p>Threads: a connection's pool calls ({@link #findServer}, {@link #releaseServer} ...) run on its
 * own loop and go to its shard; no lock is taken. What the shards share is immutable or atomic: the
 * settings and welcome parameters (swapped whole), the last login failure, PAUSE, and the count of the
 * pool's servers across shards behind pool_size. Calls that concern every shard (PAUSE, RECONNECT,
 * snapshots) may come from any thread and run as one task on each shard's loop.
 */
public final class Pool {
    /** Reads of the shards in a row that a server moving between loops can spoil (then the last one stands). */
    private static final int SNAPSHOT_ATTEMPTS = 5;
    /** How long a blocking {@link #snapshot()} waits for the loops before giving up. */
    private static final long SNAPSHOT_TIMEOUT_SECONDS = 10;

    private final PoolKey key;
    private final ServerFactory serverFactory;
    private final PoolLimits limits;
    private final LongSupplier clock;
    private final PoolStats stats = new PoolStats();
    /** Created on first use by a loop; the set of loops is fixed when the process starts. */
    private final ConcurrentHashMap<EventLoop, PoolShard> shards = new ConcurrentHashMap<>();
    /**
     * The same shards as a list, replaced whole when one is created: each release in a pool with waiting
     * clients asks whether another shard has an idle server, and walking the map cost more than that.
     */
    private volatile List<PoolShard> shardList = List.of();
    /** Servers of this pool in every shard (logging in, idle, active, used, tested): pool_size's count. */
    private final AtomicInteger serverCount = new AtomicInteger();
    /** Its clients and server slots; empty long enough, a pool of an automatic database is freed. */
    private final PoolMembership membership;
    /** Servers launched since start, and of those slots given across loops (each costs a server login). */
    private final LongAdder serversLaunched = new LongAdder();
    private final LongAdder slotsDonated = new LongAdder();
    private final LongAdder serversMoved = new LongAdder();
    private final AtomicLong movesStarted = new AtomicLong();
    private final AtomicLong movesEnded = new AtomicLong();

    private volatile PoolSettings settings;
    /** ParameterStatus values of the first server that logged in; what new clients are told. */
    private final AtomicReference<Map<String, String>> welcomeParameters = new AtomicReference<>();
    private volatile LoginFailure lastLoginFailure;
    /** PostgreSQL restarting: its login failures are retried, never cached (issue 12, bug 3). */
    private final ServerRestartWindow restartWindow = new ServerRestartWindow();
    /** PAUSE: hold clients' requests, close servers as they are released. */
    private volatile boolean paused;
    /** SHUTDOWN WAIT_FOR_SERVERS: a client asking for a server is told "server shutting down". */
    private volatile boolean refusingServers;

    private record LoginFailure(ErrorResponse error, long atNanos) {
    }

    public Pool(PoolKey key, PoolSettings settings, ServerFactory serverFactory, PoolLimits limits) {
        this(key, settings, serverFactory, limits, System::nanoTime);
    }

    /** With {@code clock} standing in for {@link System#nanoTime()} (tests drive time by hand). */
    public Pool(PoolKey key, PoolSettings settings, ServerFactory serverFactory, PoolLimits limits, LongSupplier clock) {
        this.key = key;
        this.settings = settings;
        this.serverFactory = serverFactory;
        this.limits = limits;
        this.clock = clock;
        this.membership = new PoolMembership(clock);
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

    /** A reload changed the limits; they apply to the next decision a shard takes. */
    public void updateSettings(PoolSettings newSettings) {
        this.settings = newSettings;
    }

    /** Null until a server has logged in. */
    public Map<String, String> welcomeParameters() {
        return welcomeParameters.get();
    }

    /** The shard of {@code loop}, created on first use. */
    public PoolShard shard(EventLoop loop) {
        PoolShard shard = shards.get(loop);
        return shard != null ? shard : shards.computeIfAbsent(loop, this::newShard);
    }

    private synchronized PoolShard newShard(EventLoop loop) {
        PoolShard shard = new PoolShard(this, loop);
        List<PoolShard> more = new ArrayList<>(shardList);
        more.add(shard);
        shardList = List.copyOf(more);
        return shard;
    }

    /** The shards that exist now. */
    public Collection<PoolShard> shards() {
        return shardList;
    }

    // ---- who holds the pool ----

    /**
     * A client (or the pool's LISTEN hub, or an auth_query lookup) starts using the pool, before any
     * other call; false when the pool has been retired, and the caller must ask the registry again.
     * Each entry that succeeded is ended by exactly one {@link #leave}.
     */
    public boolean tryEnter() {
        return membership.tryEnter();
    }

    /** The client that entered is gone from the pool for good. */
    public void leave() {
        membership.leave();
    }

    /**
     * Retires the pool when no client and no server has been in it for {@code unused}: from then on
     * nobody enters it and no server is launched for it; the caller drops it from the registry. True when
     * this call retired it.
     */
    public boolean tryRetire(Duration unused) {
        if (!membership.tryRetire(unused.toNanos())) {
            return false;
        }
        stats.poolFreed(); // before the watchers hear of it: see PoolStats.ofFreedPool
        return true;
    }

    public boolean retired() {
        return membership.retired();
    }

    /** True once a server of the pool has logged in (its parameters are what new clients are told). */
    public boolean everLoggedIn() {
        return welcomeParameters.get() != null;
    }

    // ---- a connection's calls, on its own loop, to its shard ----

    /**
     * An authenticated client joins the pool. If the pool already knows the server parameters the
     * client is told at once, otherwise when the first server has logged in.
     */
    public void clientLogin(PooledClient client) {
        shardOf(client).clientLogin(client);
    }

    /**
     * The client needs a server: returns a linked one at once when its shard has one idle, or null after
     * queueing the client, which then hears back through {@link PooledClient#onServerAssigned} or
     * {@link PooledClient#onWaitFailed}.
     */
    public PooledServer findServer(PooledClient client) {
        return shardOf(client).findServer(client);
    }

    /** The client is gone. Its server, if any, stays linked: the caller decides whether it is clean. */
    public void clientClosed(PooledClient client) {
        if (client.shard != null) {
            client.shard.clientClosed(client);
        }
    }

    public void serverLoggedIn(PooledServer server, Map<String, String> parameters) {
        server.shard.serverLoggedIn(server, parameters);
    }

    public void serverLoginFailed(PooledServer server, ErrorResponse error) {
        server.shard.serverLoginFailed(server, error);
    }

    public void releaseServer(PooledServer server) {
        server.shard.releaseServer(server);
    }

    public void serverNeedsReset(PooledServer server) {
        server.shard.serverNeedsReset(server);
    }

    /**
     * The server's connection is closed. NOTE: reported on the loop the channel was last on, which for
     * a server closed while moving between loops may not yet be its new shard's: posted there then.
     */
    public void serverClosed(PooledServer server) {
        PoolShard shard = server.shard;
        if (shard.loop().inEventLoop()) {
            shard.serverClosed(server);
        } else {
            shard.post(() -> shard.serverClosed(server));
        }
    }

    /**
     * A CancelRequest for {@code target}'s query is about to be forwarded; on the server's loop.
     * {@code requester}: the connection the request came on.
     */
    public PooledCancel cancelRequested(PooledServer target, Object requester) {
        return target.shard.cancelRequested(target, requester);
    }

    public void cancelSent(PooledCancel cancel) {
        cancel.target().shard.cancelSent(cancel);
    }

    public void cancelDone(PooledCancel cancel) {
        cancel.target().shard.cancelDone(cancel);
    }

    /** Its client gave the server back while a cancel to it is in flight (sv_being_canceled). */
    public void serverBeingCanceled(PooledServer server) {
        server.shard.serverBeingCanceled(server);
    }

    /** The last cancel to the server is done; the release that waited for it follows. */
    public void cancelsDone(PooledServer server) {
        server.shard.cancelsDone(server);
    }

    private PoolShard shardOf(PooledClient client) {
        PoolShard shard = client.shard;
        return shard != null ? shard : shard(client.eventLoop());
    }

    // ---- every shard; any thread ----

    /**
     * PAUSE: from now on clients queue for a server instead of getting one, and every server is closed
     * as soon as it is released (in transaction mode at the end of the running transaction). Idle
     * servers close now. The pause is over for the caller when {@link #snapshotAsync()} counts no server.
     */
    public void pause() {
        paused = true;
        onEachShard(shard -> shard.closeIdleServers("pause"));
    }

    /** RESUME: the queued clients get servers again. */
    public void resume() {
        paused = false;
        onEachShard(PoolShard::resume);
    }

    public boolean isPaused() {
        return paused;
    }

    /** Marks every server to be closed instead of reused, and closes the idle ones now (RECONNECT, reload). */
    public void reconnectAll() {
        onEachShard(PoolShard::reconnectAll);
    }

    /** SHUTDOWN WAIT_FOR_SERVERS: from now on no client gets a server; running transactions go on. */
    public void refuseServers() {
        refusingServers = true;
    }

    boolean refusesServers() {
        return refusingServers;
    }

    /** Closes every idle server; the rest close as they are released (shutdown). */
    public void closeIdleServers(String reason) {
        onEachShard(shard -> shard.closeIdleServers(reason));
    }

    /**
     * Closes at most one idle server of this pool, in whichever shard has one, to free a slot of a
     * shared limit for another pool; {@code claim} is shared by every pool asked for the same slot, so
     * only one server is closed in all.
     */
    public void closeOneIdleServer(AtomicBoolean claim) {
        onEachShard(shard -> shard.closeOneIdleServer(claim));
    }

    /** Runs {@code action} once on each shard's loop (now, when the caller is on that loop). */
    public void onEachShard(Consumer<PoolShard> action) {
        for (PoolShard shard : shards.values()) {
            if (shard.loop().inEventLoop()) {
                action.accept(shard);
            } else {
                shard.post(() -> action.accept(shard));
            }
        }
    }

    /**
     * Reads every shard on its own loop; completes with one result per shard once all have answered.
     * Never blocks: compose on the result. A loop that is shutting down answers nothing (left out).
     */
    public <T> CompletableFuture<List<T>> collect(Function<PoolShard, T> read) {
        List<CompletableFuture<T>> parts = new ArrayList<>();
        for (PoolShard shard : shards.values()) {
            if (shard.loop().inEventLoop()) {
                parts.add(CompletableFuture.completedFuture(read.apply(shard)));
                continue;
            }
            CompletableFuture<T> part = new CompletableFuture<>();
            try {
                shard.loop().execute(() -> {
                    try {
                        part.complete(read.apply(shard));
                    } catch (RuntimeException e) {
                        part.completeExceptionally(e);
                    }
                });
                parts.add(part);
            } catch (RejectedExecutionException e) {
                // shutting down: this shard is left out
            }
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(v -> parts.stream().map(CompletableFuture::join).toList());
    }

    /** The pool's counts (SHOW POOLS): the shards' summed, maxwait the oldest waiting client of all. */
    public CompletableFuture<PoolSnapshot> snapshotAsync() {
        return snapshotAsync(SNAPSHOT_ATTEMPTS);
    }

    /**
     * NOTE: each shard is read on its own loop at its own moment, so a server that moved from one loop
     * to another in between would be counted twice or not at all. Servers only change loops by moving,
     * so the read is consistent when no move started or ended while it ran; otherwise it is read again.
     * A server on its way between loops is idle, and counted as such.
     */
    private CompletableFuture<PoolSnapshot> snapshotAsync(int attempts) {
        long started = movesStarted.get();
        long ended = movesEnded.get();
        return collect(PoolShard::snapshot).thenCompose(parts -> {
            if (attempts > 1 && (movesStarted.get() != started || movesEnded.get() != ended)) {
                return snapshotAsync(attempts - 1);
            }
            return CompletableFuture.completedFuture(PoolSnapshot.sum(key, parts, (int) (started - ended)));
        });
    }

    /**
     * {@link #snapshotAsync()} waited for. NOTE: for threads that are not event loops (tests, the
     * metrics endpoint): an event loop waiting for another could wait for itself.
     */
    public PoolSnapshot snapshot() {
        return await(snapshotAsync());
    }

    /** Clients of every shard; blocking, like {@link #snapshot()}. */
    public List<PooledClient> clients() {
        return await(collect(PoolShard::clients)).stream().flatMap(List::stream).toList();
    }

    /** Servers of every shard; blocking, like {@link #snapshot()}. */
    public List<PooledServer> servers() {
        return await(collect(PoolShard::servers)).stream().flatMap(List::stream).toList();
    }

    private <T> T await(CompletableFuture<T> future) {
        if (!future.isDone() && shards.keySet().stream().anyMatch(EventLoop::inEventLoop)) {
            throw new IllegalStateException("an event loop must not wait for pool snapshots; compose on snapshotAsync()");
        }
        try {
            return future.get(SNAPSHOT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading pool " + key, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not read pool " + key, e);
        }
    }

    // ---- what the shards share ----

    /**
     * Takes one of the pool's server slots if fewer than {@code allowed} servers exist; never for a
     * retired pool. A slot holds the pool as a client does ({@link #tryEnter}).
     */
    boolean tryTakeServerSlot(int allowed) {
        if (!membership.tryEnter()) {
            return false;
        }
        while (true) {
            int current = serverCount.get();
            if (current >= allowed) {
                membership.undoEnter();
                return false;
            }
            if (serverCount.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives back one server slot if more than {@code allowed} servers exist; see {@link PoolSizeCheck}. */
    boolean tryGiveBackServerSlotAbove(int allowed) {
        while (true) {
            int current = serverCount.get();
            if (current <= allowed) {
                return false;
            }
            if (serverCount.compareAndSet(current, current - 1)) {
                membership.leave();
                return true;
            }
        }
    }

    void releaseServerSlot() {
        serverCount.decrementAndGet();
        membership.leave();
    }

    /** Servers of the pool in every shard, as far as the shards have counted them. */
    public int serverCount() {
        return serverCount.get();
    }

    /** Servers the shards have launched since the pool was made (logins tried). */
    public long serversLaunched() {
        return serversLaunched.sum();
    }

    /**
     * Slots a shard gave to another shard's waiting clients by closing one of its servers: the price of
     * loop-owned pools, one server login each.
     */
    public long slotsDonated() {
        return slotsDonated.sum();
    }

    /** Idle servers a shard handed to another shard's waiting clients by moving their connection. */
    public long serversMoved() {
        return serversMoved.sum();
    }

    void launched() {
        serversLaunched.increment();
    }

    /** A server leaves its shard to move to another loop; see {@link #snapshotAsync(int)}. */
    void moveStarted() {
        serversMoved.increment();
        movesStarted.incrementAndGet();
    }

    /** The moving server arrived in its new shard, or closed on the way. */
    void moveEnded() {
        movesEnded.incrementAndGet();
    }

    void donated() {
        slotsDonated.increment();
    }

    /** A server logged in; true when it is the pool's first, whose parameters new clients are told. */
    boolean loginSucceeded(Map<String, String> parameters) {
        lastLoginFailure = null;
        return welcomeParameters.get() == null && welcomeParameters.compareAndSet(null, Map.copyOf(parameters));
    }

    /**
     * A server login failed: remembered for server_login_retry (PgBouncer's fast fail), unless it is
     * part of a PostgreSQL restart; then true, and nothing is remembered.
     */
    boolean loginFailed(ErrorResponse error) {
        long now = now();
        if (restartWindow.loginFailedTransiently(error, now, settings.serverLoginRetry())) {
            return true;
        }
        lastLoginFailure = new LoginFailure(error, now);
        return false;
    }

    /**
     * A logged-in server sent a FATAL error: an admin or crash shutdown announces a restart, during which
     * refused connections are retried rather than replayed.
     */
    public void serverSentFatal(ErrorResponse error) {
        restartWindow.serverError(error, now());
    }

    /**
     * PgBouncer's condition for min_pool_size (janitor.c, check_pool_size): the database entry forces its
     * user, or at least one client is connected to the pool.
     */
    boolean keepsMinPoolSize() {
        if (settings.minPoolSize() <= 0) {
            return false;
        }
        if (settings.forcedUser()) {
            return true;
        }
        for (PoolShard shard : shards.values()) {
            if (shard.publishedClients() > 0) {
                return true;
            }
        }
        return false;
    }

    /** No launch now: a login failure is remembered, or a transient one waits for its retry delay. */
    boolean loginBackingOff() {
        return recentLoginFailure() != null || restartWindow.retryPending(now());
    }

    /** The last login failure while server_login_retry has not passed since, else null. */
    ErrorResponse recentLoginFailure() {
        LoginFailure failure = lastLoginFailure;
        if (failure != null && now() - failure.atNanos() < settings.serverLoginRetry().toNanos()) {
            return failure.error();
        }
        return null;
    }

    ServerFactory serverFactory() {
        return serverFactory;
    }

    PoolLimits limits() {
        return limits;
    }

    long now() {
        return clock.getAsLong();
    }
}
