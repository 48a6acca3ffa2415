package io.pooler.pool;

import io.netty.channel.EventLoop;

/**
 * A server connection as its {@link Pool} sees it. The daemon's server handler extends this.
 *
 * <p>Threads: owned by {@link #eventLoop()}, which is the loop of the {@link PoolShard} that launched
 * it; it stays in that shard for its whole life. The fields here are written by the shard on that loop
 * and read on it.
 */
public abstract class PooledServer extends PoolMember {
    private final Pool pool;
    /** Set by the shard when it launches the server (its clock). */
    long createdNanos = System.nanoTime();
    ServerState state = ServerState.CLOSED;
    PooledClient client;
    PoolShard shard;
    /** When it last became idle (the shard's clock). */
    long idleSinceNanos;
    /** Set by RECONNECT or a changed config: close instead of reusing. */
    boolean closeNeeded;
    /** It counts towards its pool's size (pool_size, reserve_pool_size) until it leaves the shard. */
    boolean holdsPoolSlot;
    /** It holds a slot of max_db_connections and max_user_connections until its connection is gone. */
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

    /** Starts connecting and logging in; called once, on {@link #eventLoop()}. */
    protected abstract void connect();

    /**
     * Runs server_check_query on a server idle longer than server_check_delay. The handler then calls
     * {@link Pool#releaseServer} when it passed, or closes the connection.
     */
    protected abstract void runCheckQuery();

    /** Closes the connection; any thread. The handler reports back with {@link Pool#serverClosed}. */
    public abstract void close(String reason);
}
