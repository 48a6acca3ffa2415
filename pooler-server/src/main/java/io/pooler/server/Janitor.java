package io.pooler.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.pooler.config.ClientTimeouts;
import io.pooler.config.PoolerConfig;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolRegistry;
import io.pooler.pool.PoolShard;
import io.pooler.pool.PooledClient;
import io.pooler.pool.PooledServer;
import io.pooler.pool.ServerState;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.ErrorResponse;
import io.pooler.server.backend.PoolMaker;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.client.ClientConnection;
import io.pooler.stats.QueryTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Timed maintenance, as PgBouncer's janitor: first, on the janitor's own loop, the pools of automatic
 * databases nobody uses are freed (autodb_idle_timeout; {@link PoolMaker#retireUnused}, atomic counts
 * only); then each pool shard's own upkeep (idle and lifetime closes,
 * query_wait_timeout, reserve pool, min_pool_size), then the per-connection timeouts that need the
 * protocol view of a connection: query_timeout, idle_transaction_timeout, transaction_timeout and
 * client_idle_timeout, each the login user's ({@link ClientTimeouts}); then query_wait_notify and
 * server_fast_close.
 *
 * <p>Threads: each tick posts one task to every event loop, which looks after the shards of that
 * loop, so a shard and its connections are only read and changed on their own loop.
 */
final class Janitor implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Janitor.class);

    /** PgBouncer's words and fields (severity, SQLSTATE 00000, message), so scripts that match it still do. */
    private static final ErrorResponse QUEUED_NOTICE = ErrorResponse.of("NOTICE", "00000",
            "No server connection available in postgres backend, client being queued");

    private final Supplier<RuntimeConfig> config;
    private final ShutdownState shutdown;
    private final PoolRegistry pools;
    private final PoolMaker poolMaker;
    private final EventLoopGroup loops;

    Janitor(Supplier<RuntimeConfig> config, ShutdownState shutdown, PoolRegistry pools, PoolMaker poolMaker,
            EventLoopGroup loops) {
        this.config = config;
        this.shutdown = shutdown;
        this.pools = pools;
        this.poolMaker = poolMaker;
        this.loops = loops;
    }

    /**
     * One round. It runs as a periodic task, and Netty never runs again a periodic task that threw: one
     * fault would stop every timeout, lifetime and min_pool_size of the process for good. So a round
     * that fails is logged and the next one runs as usual (each pool's part has its own catch in
     * {@link #tick}, so one pool's fault does not skip the others).
     */
    @Override
    public void run() {
        try {
            createForcedUserPools();
            int retired = poolMaker.retireUnused(config.get().config().settings().autodbIdleTimeout());
            if (retired > 0) {
                log.debug("{} unused pools of automatic databases freed", retired);
            }
            for (EventExecutor executor : loops) {
                if (executor instanceof EventLoop loop && !loop.isShuttingDown()) {
                    loop.execute(() -> tick(loop));
                }
            }
        } catch (RuntimeException e) {
            log.error("janitor round failed; the next one runs as usual", e);
        }
    }

    /**
     * PgBouncer's do_full_maint: a database entry with a forced user and a min_pool_size above 0 gets its
     * pool before any client comes, so that the pools' janitor keeps it warm. Not during a shutdown.
     */
    private void createForcedUserPools() {
        if (shutdown.mode() != ShutdownState.Mode.NONE) {
            return;
        }
        PoolerConfig running = config.get().config();
        running.databases().forEach((name, db) -> {
            if (db.user().isPresent() && !"*".equals(name)
                    && db.minPoolSize().orElse(running.settings().minPoolSize()) > 0) {
                poolMaker.pool(db, name, db.user().get());
            }
        });
    }

    private void tick(EventLoop loop) {
        PoolerConfig running = config.get().config();
        long now = System.nanoTime();
        // One lookup per login user and run: [users] values win over the [pgbouncer] ones.
        Map<String, ClientTimeouts> timeouts = new HashMap<>();
        Function<String, ClientTimeouts> forUser = user -> timeouts.computeIfAbsent(user,
                u -> ClientTimeouts.of(running, u));
        // With thousands of clients a tick must not visit each of them for a timeout that is off.
        boolean clientIdleTimeoutOn = ClientTimeouts.clientIdleTimeoutOn(running);
        for (Pool pool : pools.all()) {
            try {
                PoolShard shard = pool.shard(loop);
                shard.janitor();
                checkServers(shard, forUser, now);
                if (running.settings().queryWaitNotify() > 0) {
                    notifyWaitingClients(shard, running.settings().queryWaitNotify(), now);
                }
                if (running.settings().serverFastClose()) {
                    fastClose(shard);
                }
                if (clientIdleTimeoutOn) {
                    checkClients(shard, forUser, now);
                }
            } catch (RuntimeException e) {
                log.error("janitor failed for pool {}", pool.key(), e);
            }
        }
    }

    /** query_timeout, idle_transaction_timeout and transaction_timeout, in PgBouncer's order. */
    private static void checkServers(PoolShard pool, Function<String, ClientTimeouts> forUser, long now) {
        for (PooledServer p : pool.servers()) {
            if (!(p instanceof ServerConnection server) || server.state() != ServerState.ACTIVE
                    || !(server.client() instanceof ClientConnection client)) {
                continue;
            }
            ClientTimeouts t = forUser.apply(client.loginUser());
            if (!t.anyServerTimeout()) {
                continue;
            }
            long queryTimeout = t.queryTimeout().toNanos();
            long idleTransactionTimeout = t.idleTransactionTimeout().toNanos();
            long transactionTimeout = t.transactionTimeout().toNanos();
            boolean busy = server.outstandingRequests() > 0;
            boolean inTransaction = server.transactionStatus() != BackendMessages.TX_IDLE;
            QueryTimer timer = client.queryTimer();
            long transactionAge = timer == null ? 0 : timer.transactionNanos(now);
            if (queryTimeout > 0 && busy && now - server.busySinceNanos() > queryTimeout) {
                server.abortLinked("query_timeout");
            } else if (idleTransactionTimeout > 0 && !busy && inTransaction
                    && now - server.lastReadyNanos() > idleTransactionTimeout) {
                server.abortLinked("idle transaction timeout");
            } else if (transactionTimeout > 0 && (busy || inTransaction) && transactionAge > transactionTimeout) {
                server.abortLinked("transaction timeout");
            }
        }
    }

    /**
     * server_fast_close, as PgBouncer's pool_server_maint: a close-needed server that a client holds
     * between transactions (nothing outstanding, ReadyForQuery said idle) is closed now, and its client
     * with it ("database configuration changed") so the client sees that its session ended. A server in
     * a transaction or running a query is left to finish; the next tick after that closes it.
     */
    private static void fastClose(PoolShard pool) {
        for (PooledServer p : pool.servers()) {
            if (p instanceof ServerConnection server && server.state() == ServerState.ACTIVE && server.closeNeeded()
                    && server.client() instanceof ClientConnection && server.outstandingRequests() == 0
                    && server.transactionStatus() == BackendMessages.TX_IDLE) {
                server.abortLinked("database configuration changed");
            }
        }
    }

    /**
     * query_wait_notify (PgBouncer 1.25): a client queued longer than that many seconds gets one NOTICE
     * per wait, PgBouncer's text, and goes on waiting.
     */
    private static void notifyWaitingClients(PoolShard pool, int seconds, long now) {
        pool.forEachWaitingClient(p -> {
            if (p instanceof ClientConnection client && client.claimWaitNotification(now, seconds)) {
                Channel ch = client.channel();
                ch.writeAndFlush(QUEUED_NOTICE.encodeAsNotice(ch.alloc()), ch.voidPromise());
            }
        });
    }

    private static void checkClients(PoolShard pool, Function<String, ClientTimeouts> forUser, long now) {
        for (PooledClient p : pool.clients()) {
            if (!(p instanceof ClientConnection client)) {
                continue;
            }
            long clientIdleTimeout = forUser.apply(client.loginUser()).clientIdleTimeout().toNanos();
            if (clientIdleTimeout > 0 && now - client.lastActivityNanos() > clientIdleTimeout) {
                client.closeIfIdle(now - clientIdleTimeout, "client_idle_timeout");
            }
        }
    }
}
