package io.pooler.pool;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A shard's request for one of the pool's server slots that another shard holds: the needy shard has
 * waiting clients and the pool-wide count is full. It is posted to every other shard; the first that
 * gives up a server for it claims it, so one request frees at most one slot.
 *
 * <p>Threads: created by the needy shard and read by the others. Only {@link #claimed} changes; it is
 * also how the needy shard withdraws the request when its waiters are gone.
 *
 * @param needy              the shard whose clients wait
 * @param postedNanos        when it was posted (the needy shard's clock)
 */
record DonationRequest(PoolShard needy, long postedNanos, AtomicBoolean claimed) {

    DonationRequest(PoolShard needy, long postedNanos) {
        this(needy, postedNanos, new AtomicBoolean());
    }

    /** Takes the request for the caller; false when another shard took it or the needy one withdrew it. */
    boolean claim() {
        return claimed.compareAndSet(false, true);
    }

    boolean isLive() {
        return !claimed.get();
    }
}
