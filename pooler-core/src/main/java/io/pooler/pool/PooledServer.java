package io.pooler.pool;

import io.netty.channel.EventLoop;

/**
 * A server connection as its {@link Pool} sees it. The daemon's server handler extends this.
 *
 * <p>Threads: owned by {@link #eventLoop()}, which is the loop of the {@link PoolShard} that holds it.
 * The fields here are written by that shard on that loop and read on it. An idle server that can
 * {@link #moveTo move} may pass to another shard: the giving shard lets go of it on its loop, the
 * receiving one takes it on its own after the channel is registered there, so each field still has
 * one owner at a time (the hand-over goes through the loops' task queues).
 */
public abstract class PooledServer extends PoolMember {
    private final Pool pool;
    /** Set by the shard when it launches the server (its clock). */
    long createdNanos = System.nanoTime();
    ServerState state = ServerState.CLOSED;
    PooledClient client;
    /** Volatile: a server moving between loops changes shard, and a close on the way reads it (Pool.serverClosed). */
    volatile PoolShard shard;
    /** On its way from one shard's loop to another's (see {@link ShardDonations}); set by the giver, cleared by the taker. */
    volatile boolean moving;
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

    /**
     * Whether this server's connection can be handed to another event loop ({@link #moveTo}); servers
     * that cannot are given to another shard by closing them and launching a new one there.
     */
    protected boolean canMove() {
        return false;
    }

    /**
     * Re-registers the idle connection on {@code target}; on its owner loop. {@code arrived} then runs on
     * {@code target}. If the connection closes on the way, {@code arrived} never runs: the handler
     * reports the close with {@link Pool#serverClosed} as for any other server.
     */
    protected void moveTo(EventLoop target, Runnable arrived) {
        throw new UnsupportedOperationException("this server cannot move between event loops");
    }

    /** Closes the connection; any thread. The handler reports back with {@link Pool#serverClosed}. */
    public abstract void close(String reason);
}
