package io.pooler.pool;

/**
 * PgBouncer's {@code check_pool_size}: after a RELOAD lowers {@code pool_size} or
 * {@code reserve_pool_size}, the janitor closes unused servers (sv_used first, then sv_idle) above
 * the new total, so the pool shrinks without waiting for server_idle_timeout. Servers linked to a
 * client are never closed; they count until they come back. A {@code pool_size} of 0 bounds nothing,
 * as in PgBouncer.
 *
 * <p>Each loop's janitor takes the servers it closes off the pool's shared count one compare-and-set
 * at a time ({@code Pool.tryGiveBackServerSlotAbove}): two loops shrinking at the same instant then
 * close only the excess between them (PoolShardTimersTest).
 */
final class PoolSizeCheck {

    private PoolSizeCheck() {
    }

    /** False when pool_size is 0, which bounds nothing, as in PgBouncer. */
    static boolean bounded(PoolSettings settings) {
        return settings.poolSize() > 0;
    }

    /** The most servers the pool may keep: pool_size + reserve_pool_size. */
    static int allowed(PoolSettings settings) {
        return settings.poolSize() + settings.reservePoolSize();
    }
}
