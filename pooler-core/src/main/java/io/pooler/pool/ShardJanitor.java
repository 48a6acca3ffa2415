package io.pooler.pool;

import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The timed maintenance of one {@link PoolShard}, PgBouncer's janitor.c, and the closing of idle
 * servers it shares with PAUSE, RECONNECT and shutdown.
 *
 * <p>NOTE: owned by the shard's loop; its callers have checked that they run on it.
 */
final class ShardJanitor {
    private final PoolShard shard;
    private final Pool pool;
    private final ShardLists lists;

    ShardJanitor(PoolShard shard, ShardLists lists) {
        this.shard = shard;
        this.pool = shard.pool();
        this.lists = lists;
    }

    /**
     * One round, about three times a second: closes servers idle longer than server_idle_timeout
     * (keeping min_pool_size) or past server_lifetime, moves servers idle longer than
     * server_check_delay to sv_used, fails clients that waited longer than query_wait_timeout, and
     * opens servers that waiting clients need.
     */
    void round() {
        long now = pool.now();
        PoolSettings s = pool.settings();
        List<PooledServer> toClose = new ArrayList<>();
        List<PooledClient> timedOut = new ArrayList<>();
        lists.idleServers.forEach(server -> {
            long idleNanos = now - server.idleSinceNanos;
            if (idleTooLong(server, s, now) || shard.pastLifetime(server, now) || server.closeNeeded) {
                lists.dropServer(server);
                toClose.add(server);
            } else if (idleNanos > s.serverCheckDelay().toNanos()) {
                lists.moveServer(server, lists.usedServers, ServerState.USED);
            }
        });
        lists.usedServers.forEach(server -> {
            if (idleTooLong(server, s, now) || shard.pastLifetime(server, now) || server.closeNeeded) {
                lists.dropServer(server);
                toClose.add(server);
            }
        });
        if (!s.queryWaitTimeout().isZero()) {
            lists.waitingClients.forEach(client -> {
                if (now - client.waitStartNanos > s.queryWaitTimeout().toNanos()) {
                    lists.moveClient(client, lists.activeClients, ClientState.ACTIVE);
                    timedOut.add(client);
                }
            });
            shard.donations.withdrawRequestIfNobodyWaits();
        }
        toClose.forEach(server -> server.close("server idle timeout or lifetime"));
        closeServersAbovePoolSize(s);
        ErrorResponse timeout = ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "query_wait_timeout");
        timedOut.forEach(client -> client.onWaitFailed(timeout));
        if (!lists.waitingClients.isEmpty()) {
            shard.donations.renewStaleRequest(now);
            shard.checkUsedServerOrLaunch();
        } else if (!lists.loginClients.isEmpty()) {
            if (pool.welcomeParameters() != null) {
                shard.welcomeLoginClients(); // the first login's news went out before this shard existed
            } else if (pool.recentLoginFailure() == null && !pool.isPaused()) {
                shard.launcher.launchForLogin();
            }
        } else if (!pool.loginBackingOff() && !pool.isPaused() && pool.keepsMinPoolSize()) {
            int warm = Math.min(s.minPoolSize(), s.poolSize());
            if (pool.serverCount() < warm && pool.tryTakeServerSlot(warm)) {
                // min_pool_size: kept warm, one launch per round as PgBouncer's janitor
                shard.launcher.launchWithSlot();
            }
        }
        if (lists.waitingClients.isEmpty() && shard.donations.hasPendingRequests()) {
            shard.donations.donateLongIdleServers(now);
        }
    }

    private boolean idleTooLong(PooledServer server, PoolSettings s, long now) {
        return !s.serverIdleTimeout().isZero()
                && now - server.idleSinceNanos > s.serverIdleTimeout().toNanos()
                && pool.serverCount() > s.minPoolSize();
    }

    /**
     * PgBouncer's check_pool_size, after a RELOAD lowered the pool: unused servers above the new size
     * close, sv_used first. Each is claimed with one compare-and-set on the pool's count, so two loops
     * shrinking at the same instant close only the excess between them, never one more.
     */
    private void closeServersAbovePoolSize(PoolSettings s) {
        while (PoolSizeCheck.bounded(s)) {
            PooledServer extra = lists.usedServers.first() != null
                    ? lists.usedServers.first()
                    : lists.idleServers.first();
            if (extra == null || !extra.holdsPoolSlot || !pool.tryGiveBackServerSlotAbove(PoolSizeCheck.allowed(s))) {
                return;
            }
            extra.holdsPoolSlot = false; // given back just now
            lists.dropServer(extra);
            extra.close("too many servers in the pool");
        }
    }

    // ---- closing idle servers on demand ----

    /** Marks every server to be closed instead of reused, and closes the idle ones now (RECONNECT, reload). */
    void reconnectAll() {
        lists.forEachServer(PooledServer::markCloseNeeded);
        closeIdle("reconnect");
    }

    /** Closes every idle server; the rest close as they are released (shutdown, PAUSE). */
    void closeIdleServers(String reason) {
        lists.idleServers.forEach(PooledServer::markCloseNeeded);
        lists.usedServers.forEach(PooledServer::markCloseNeeded);
        closeIdle(reason);
    }

    /** Closes one idle server to free a max_db_connections or max_user_connections slot for another pool. */
    boolean closeOneIdleServer(AtomicBoolean claim) {
        PooledServer victim = lists.idleServers.first() != null ? lists.idleServers.first() : lists.usedServers.first();
        if (victim == null || !claim.compareAndSet(false, true)) {
            return false;
        }
        lists.dropServer(victim);
        victim.close("freeing a slot of max_db_connections or max_user_connections for another pool");
        return true;
    }

    private void closeIdle(String reason) {
        List<PooledServer> idle = new ArrayList<>();
        for (StateList<PooledServer> list : List.of(lists.idleServers, lists.usedServers)) {
            list.forEach(server -> {
                lists.dropServer(server);
                idle.add(server);
            });
        }
        idle.forEach(server -> server.close(reason));
    }
}
