package io.pooler.pool;

import io.netty.channel.EventLoop;

/** Makes (but does not yet connect) a server connection for a pool, on the given event loop. */
@FunctionalInterface
public interface ServerFactory {
    PooledServer newServer(Pool pool, EventLoop loop);

    /**
     * Whether its idle servers can move between event loops ({@link PooledServer#moveTo}). Then a shard
     * whose clients wait asks the other shards for an idle server before it launches one more.
     */
    default boolean serversCanMove() {
        return false;
    }
}
