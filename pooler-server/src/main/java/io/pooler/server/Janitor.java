package io.pooler.server;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.pooler.config.Settings;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolShard;
import io.pooler.pool.PooledClient;
import io.pooler.pool.PooledServer;
import io.pooler.pool.ServerState;
import io.pooler.protocol.BackendMessages;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.client.ClientConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Timed maintenance, as PgBouncer's janitor: each pool shard's own upkeep (idle and lifetime closes,
 * query_wait_timeout, reserve pool, min_pool_size), then the per-connection timeouts that need the
 * protocol view of a connection: query_timeout, idle_transaction_timeout, client_idle_timeout.
 *
 * <p>Threads: each tick posts one task to every event loop, which looks after the shards of that
 * loop, so a shard and its connections are only read and changed on their own loop.
 */
final class Janitor implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Janitor.class);

    private final PoolerRuntime runtime;
    private final EventLoopGroup loops;

    Janitor(PoolerRuntime runtime, EventLoopGroup loops) {
        this.runtime = runtime;
        this.loops = loops;
    }

    @Override
    public void run() {
        for (EventExecutor executor : loops) {
            if (executor instanceof EventLoop loop && !loop.isShuttingDown()) {
                loop.execute(() -> tick(loop));
            }
        }
    }

    private void tick(EventLoop loop) {
        Settings s = runtime.config().config().settings();
        long now = System.nanoTime();
        for (Pool pool : runtime.pools().all()) {
            try {
                PoolShard shard = pool.shard(loop);
                shard.janitor();
                checkServers(shard, s, now);
                checkClients(shard, s, now);
            } catch (RuntimeException e) {
                log.error("janitor failed for pool {}", pool.key(), e);
            }
        }
    }

    private static void checkServers(PoolShard pool, Settings s, long now) {
        long queryTimeout = s.queryTimeout().toNanos();
        long idleTransactionTimeout = s.idleTransactionTimeout().toNanos();
        if (queryTimeout == 0 && idleTransactionTimeout == 0) {
            return;
        }
        for (PooledServer p : pool.servers()) {
            if (!(p instanceof ServerConnection server) || server.state() != ServerState.ACTIVE) {
                continue;
            }
            boolean busy = server.outstandingRequests() > 0;
            if (queryTimeout > 0 && busy && now - server.busySinceNanos() > queryTimeout) {
                server.abortLinked("query_timeout");
            } else if (idleTransactionTimeout > 0 && !busy
                    && server.transactionStatus() != BackendMessages.TX_IDLE
                    && now - server.lastReadyNanos() > idleTransactionTimeout) {
                server.abortLinked("idle transaction timeout");
            }
        }
    }

    private static void checkClients(PoolShard pool, Settings s, long now) {
        long clientIdleTimeout = s.clientIdleTimeout().toNanos();
        if (clientIdleTimeout == 0) {
            return;
        }
        for (PooledClient p : pool.clients()) {
            if (p instanceof ClientConnection client && now - client.lastActivityNanos() > clientIdleTimeout) {
                client.closeIfIdle(now - clientIdleTimeout, "client_idle_timeout");
            }
        }
    }
}
