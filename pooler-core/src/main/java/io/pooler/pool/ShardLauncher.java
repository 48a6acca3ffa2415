package io.pooler.pool;

import io.netty.channel.EventLoop;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Launching servers for one {@link PoolShard}, PgBouncer's launch_new_connection: a server is opened
 * only under the limits, checked in PgBouncer's order (pool_size, with reserve_pool_size once a client
 * has waited reserve_pool_timeout; then max_db_connections; then max_user_connections). A server
 * launched holds one slot of each until it leaves ({@link PooledServer#holdsPoolSlot},
 * {@link PooledServer#holdsLimitSlots}). When the pool's size is used up by other shards, this shard
 * asks them for a slot ({@link ShardDonations}) rather than launching.
 *
 * <p>NOTE: owned by the shard's loop; its callers have checked that they run on it.
 */
final class ShardLauncher {
    private final PoolShard shard;
    private final Pool pool;
    private final EventLoop loop;
    private final ShardLists lists;

    private enum LimitHit { NONE, DATABASE, USER }

    ShardLauncher(PoolShard shard, ShardLists lists) {
        this.shard = shard;
        this.pool = shard.pool();
        this.loop = shard.loop();
        this.lists = lists;
    }

    /**
     * Launches one more server if clients wait for more than the logins under way can serve. When the
     * pool's size is used up by other shards, asks them for a slot. True when a server was launched.
     */
    boolean maybeLaunch() {
        if (pool.isPaused() || lists.waitingClients.size() <= lists.loginServers.size()) {
            return false;
        }
        ShardDonations donations = shard.donations;
        if (pool.loginBackingOff()) {
            // No login now (server_login_retry, or a restart's retry delay): tried again later. A server
            // another shard releases meanwhile needs no login, so it is asked for; a server that cannot
            // move would be given as a slot to launch into, which must wait like any launch.
            if (pool.serverFactory().serversCanMove()) {
                donations.requestDonation();
            }
            return false;
        }
        if (donations.requestTaken()) {
            return false; // a shard took our request: its server (or slot) is on its way here
        }
        if (donations.otherShardHasIdle()) {
            donations.requestDonation(); // a server moved here instead of one more login (and backend)
            return false;
        }
        if (!pool.tryTakeServerSlot(allowedServers())) {
            donations.requestDonation();
            return false;
        }
        return launchWithSlot() != null;
    }

    /**
     * pool_size, plus reserve_pool_size once the oldest waiting client has waited reserve_pool_timeout;
     * a reserve_pool_timeout of 0 disables the reserve, as PgBouncer documents.
     */
    private int allowedServers() {
        PoolSettings s = pool.settings();
        int allowed = s.poolSize();
        PooledClient oldest = lists.waitingClients.first();
        if (s.reservePoolSize() > 0 && !s.reservePoolTimeout().isZero() && oldest != null
                && pool.now() - oldest.waitStartNanos >= s.reservePoolTimeout().toNanos()) {
            allowed += s.reservePoolSize();
        }
        return allowed;
    }

    /**
     * The pool's first server, for the parameters logging-in clients are told: one for the whole pool,
     * outside pool_size as in PgBouncer. Servers of any shard that are logging in count (before the
     * first login every server of the pool is logging in).
     */
    void launchForLogin() {
        if (lists.loginServers.isEmpty() && pool.serverCount() == 0 && !pool.loginBackingOff()
                && pool.tryTakeServerSlot(Integer.MAX_VALUE)) {
            launchWithSlot();
        }
    }

    /**
     * A server for a replication client alone: when pool_size is used up, an idle server of the pool is
     * closed to make room, as PgBouncer's launch_new_connection evicts for a replication client. Null
     * when there is no room: the caller tries again later.
     */
    PooledServer launchDedicated() {
        int allowed = pool.settings().poolSize();
        if (!pool.tryTakeServerSlot(allowed)) {
            PooledServer victim = lists.longestIdle();
            if (victim == null) {
                pool.closeOneIdleServer(new AtomicBoolean()); // one on another loop, for the next try
                return null;
            }
            lists.dropServer(victim);
            victim.close("evicted for a replication connection");
            if (!pool.tryTakeServerSlot(allowed)) {
                return null;
            }
        }
        return launchWithSlot();
    }

    /**
     * Holding a pool slot, takes the shared limits in PgBouncer's order and launches the server on this
     * shard's loop. Null (and the slot given back) when max_db_connections or max_user_connections is
     * full; then an idle server of another pool of the same database or user is closed to make room,
     * as PgBouncer does, and the janitor launches into the freed slot.
     */
    PooledServer launchWithSlot() {
        PoolSettings s = pool.settings();
        PoolLimits limits = pool.limits();
        LimitHit hit = LimitHit.NONE;
        if (!limits.databaseServers().tryAcquire(s.maxDbConnections())) {
            hit = LimitHit.DATABASE;
        } else if (!limits.userServers().tryAcquire(s.maxUserConnections())) {
            limits.databaseServers().release();
            hit = LimitHit.USER;
        }
        if (hit != LimitHit.NONE) {
            pool.releaseServerSlot();
            (hit == LimitHit.DATABASE ? limits.closeIdleServerOfSameDatabase() : limits.closeIdleServerOfSameUser())
                    .test(pool);
            return null;
        }
        PooledServer server = pool.serverFactory().newServer(pool, loop);
        pool.launched();
        server.shard = shard;
        server.createdNanos = pool.now();
        server.holdsPoolSlot = true;
        server.holdsLimitSlots = true;
        lists.moveServer(server, lists.loginServers, ServerState.LOGIN);
        lists.publishServers();
        // NOTE: connected by a task, not here: a connect that fails at once reports back into this shard.
        shard.post(server::connect);
        return server;
    }

    /** The server's connection is gone: its max_db_connections and max_user_connections slots are free. */
    void releaseLimitSlots(PooledServer server) {
        if (server.holdsLimitSlots) {
            server.holdsLimitSlots = false;
            pool.limits().databaseServers().release();
            pool.limits().userServers().release();
        }
    }

    // ---- after a login met a restart of PostgreSQL ----

    /** A login met a restart of PostgreSQL: its clients keep waiting and the launch is tried again shortly. */
    void retryAfterTransientFailure() {
        try {
            loop.schedule(this::retryLaunch, ServerRestartWindow.RETRY_NANOS, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the process is going down: nothing waits for this shard any more
        }
    }

    private void retryLaunch() {
        boolean needed = !lists.waitingClients.isEmpty()
                || !lists.loginClients.isEmpty() && pool.welcomeParameters() == null;
        if (needed && pool.recentLoginFailure() == null && pool.loginBackingOff()) {
            // Another shard's login failed since: its delay runs, then this shard tries, not the janitor later.
            retryAfterTransientFailure();
            return;
        }
        if (!lists.waitingClients.isEmpty()) {
            maybeLaunch();
        } else if (!lists.loginClients.isEmpty() && pool.welcomeParameters() == null && !pool.isPaused()) {
            launchForLogin();
        }
    }
}
