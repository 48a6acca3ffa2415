package io.pooler.pool;

import io.netty.channel.EventLoop;
import io.pooler.protocol.ErrorResponse;

/**
 * A logged-in client connection as its {@link Pool} sees it. The daemon's client handler extends this.
 *
 * <p>Threads: owned by {@link #eventLoop()}, and so is its place in the pool: the client is in the
 * {@link PoolShard} of its own loop, which calls the {@code on*} methods on that loop, and is only
 * ever linked to a server of that shard. Nothing here is read from another thread.
 */
public abstract class PooledClient extends PoolMember {
    ClientState state = ClientState.CLOSED;
    PooledServer server;
    /** The shard of this client's loop; set when it first enters its pool. */
    PoolShard shard;
    /** When it started waiting for a server (the shard's clock). */
    long waitStartNanos;
    /** The {@link #waitStartNanos} of the wait query_wait_notify was sent for; a new wait sends it again. */
    private long waitNotifiedFor = Long.MIN_VALUE;

    public final ClientState state() {
        return state;
    }

    /** The server this client is linked to, or null. */
    public final PooledServer server() {
        return server;
    }

    /**
     * query_wait_notify, as PgBouncer's janitor: true once per wait, for a client that has waited more
     * than {@code seconds} whole seconds ({@code now} on the shard's clock). Called on the client's loop.
     */
    public final boolean claimWaitNotification(long now, long seconds) {
        if (state != ClientState.WAITING || waitNotifiedFor == waitStartNanos
                || (now - waitStartNanos) / 1_000_000_000L <= seconds) {
            return false;
        }
        waitNotifiedFor = waitStartNanos;
        return true;
    }

    public abstract EventLoop eventLoop();

    /** The pool knows the server parameters now (its first server logged in): finish the client's login. */
    protected abstract void onWelcomeReady();

    /** A server was linked to this client after it waited. */
    protected abstract void onServerAssigned(PooledServer server);

    /** The client cannot be served: login failed upstream, or it waited too long. */
    protected abstract void onWaitFailed(ErrorResponse error);
}
