package io.pooler.pool;

/**
 * PgBouncer's {@code check_pool_size}: after a RELOAD lowers {@code pool_size} or
 * {@code reserve_pool_size}, the janitor closes unused servers (sv_used first, then sv_idle) above
 * the new total, so the pool shrinks without waiting for server_idle_timeout. Servers linked to a
 * client are never closed; they count until they come back. A {@code pool_size} of 0 bounds nothing,
 * as in PgBouncer.
 *
 * <p>NOTE: each shard reads the pool's shared count, which a close lowers at once; two loops whose
 * janitors run at the same instant may close one server too many, which only costs a login later.
 */
final class PoolSizeCheck {

    private PoolSizeCheck() {
    }

    /** How many unused servers to close, given the pool's server count now. */
    static int excess(int serverCount, PoolSettings settings) {
        if (settings.poolSize() <= 0) {
            return 0;
        }
        return Math.max(0, serverCount - (settings.poolSize() + settings.reservePoolSize()));
    }
}
