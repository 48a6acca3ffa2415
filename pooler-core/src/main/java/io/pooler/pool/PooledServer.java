package io.pooler.pool;

import io.netty.channel.EventLoop;

/**
 * A server connection as its {@link Pool} sees it. The daemon's server handler extends this.
 *
 * <p>Threads: the connection itself is owned by {@link #eventLoop()}; the fields here are written by
 * the pool under its lock and are volatile so the owning loop can read them without it.
 */
public abstract class PooledServer extends PoolMember {
    private final Pool pool;
    private final long createdNanos = System.nanoTime();
    volatile ServerState state = ServerState.CLOSED;
    volatile PooledClient client;
    /** When it last became idle; guarded by the pool lock. */
    long idleSinceNanos;
    /** Set by RECONNECT or a changed config: close instead of reusing. */
    volatile boolean closeNeeded;
    /** It holds a slot of max_db_connections and max_user_connections; guarded by the pool lock. */
    boolean holdsLimitSlots;

    protected PooledServer(Pool pool) {
        this.pool = pool;
    }

    public final Pool pool() {
        return pool;
    }

    public final ServerState state() {
        return state;
    }

    /** The client this server is linked to, or null. */
    public final PooledClient client() {
        return client;
    }

    public final long createdNanos() {
        return createdNanos;
    }

    public final void markCloseNeeded() {
        closeNeeded = true;
    }

    public final boolean closeNeeded() {
        return closeNeeded;
    }

    public abstract EventLoop eventLoop();

    /** Starts connecting and logging in; called once, outside the pool lock. */
    protected abstract void connect();

    /**
     * Runs server_check_query on a server idle longer than server_check_delay; any thread. The
     * handler then calls {@link Pool#releaseServer} when it passed, or closes the connection.
     */
    protected abstract void runCheckQuery();

    /** Closes the connection; any thread. The handler reports back with {@link Pool#serverClosed}. */
    public abstract void close(String reason);
}
