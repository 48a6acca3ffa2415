package io.pooler.pool;

import io.netty.channel.EventLoop;

/** Makes (but does not yet connect) a server connection for a pool, on the given event loop. */
@FunctionalInterface
public interface ServerFactory {
    PooledServer newServer(Pool pool, EventLoop loop);
}
