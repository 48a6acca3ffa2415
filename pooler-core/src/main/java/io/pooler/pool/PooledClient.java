package io.pooler.pool;

import io.netty.channel.EventLoop;
import io.pooler.protocol.ErrorResponse;

/**
 * A logged-in client connection as its {@link Pool} sees it. The daemon's client handler extends this.
 *
 * <p>Threads: owned by {@link #eventLoop()}. The pool calls the {@code on*} methods from any thread,
 * outside its lock; implementations hop to their own loop.
 */
public abstract class PooledClient extends PoolMember {
    volatile ClientState state = ClientState.CLOSED;
    volatile PooledServer server;
    /** When it started waiting for a server; guarded by the pool lock. */
    long waitStartNanos;

    public final ClientState state() {
        return state;
    }

    /** The server this client is linked to, or null. */
    public final PooledServer server() {
        return server;
    }

    public abstract EventLoop eventLoop();

    /** The pool knows the server parameters now (its first server logged in): finish the client's login. */
    protected abstract void onWelcomeReady();

    /** A server was linked to this client after it waited. */
    protected abstract void onServerAssigned(PooledServer server);

    /** The client cannot be served: login failed upstream, or it waited too long. */
    protected abstract void onWaitFailed(ErrorResponse error);
}
