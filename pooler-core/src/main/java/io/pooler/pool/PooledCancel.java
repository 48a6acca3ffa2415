package io.pooler.pool;

/**
 * One CancelRequest a client sent for the query of a server of this pool, while the pooler forwards it
 * on a connection of its own to PostgreSQL (the protocol's way). It counts in the shard of that server:
 * in cl_waiting_cancel_req while its connection is being opened, in cl_active_cancel_req (and its
 * connection in sv_active_cancel) once the request is on its way, until PostgreSQL closes that
 * connection.
 *
 * <p>Threads: created and moved by the server's {@link PoolShard}, on its loop.
 */
public final class PooledCancel extends PoolMember {
    private final PooledServer target;
    private final Object requester;

    PooledCancel(PooledServer target, Object requester) {
        this.target = target;
        this.requester = requester;
    }

    /** The server whose query is being cancelled. */
    public PooledServer target() {
        return target;
    }

    /**
     * The connection the CancelRequest came on, as the caller of {@link Pool#cancelRequested} gave it
     * (SHOW CLIENTS lists it); immutable.
     */
    public Object requester() {
        return requester;
    }

    /**
     * True while the request is on its way (in cl_active_cancel_req), false while its connection opens
     * and once it is done: its state is the list it is in. On its shard's loop.
     */
    public boolean sent() {
        return list != null && ShardLists.ACTIVE_CANCEL_REQUESTS.equals(list.name());
    }

    @Override
    public String toString() {
        return "cancel of " + target;
    }
}
