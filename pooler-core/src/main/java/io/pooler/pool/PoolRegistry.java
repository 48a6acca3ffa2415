package io.pooler.pool;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** All pools of the process, created on first use. Lookups take no lock. */
public final class PoolRegistry {
    private final ConcurrentHashMap<PoolKey, Pool> pools = new ConcurrentHashMap<>();

    public Pool getOrCreate(PoolKey key, Function<PoolKey, Pool> factory) {
        Pool pool = pools.get(key);
        return pool != null ? pool : pools.computeIfAbsent(key, factory);
    }

    /** The pool of {@code key} if it was made; makes none. */
    public Pool find(PoolKey key) {
        return pools.get(key);
    }

    /** Drops {@code pool} if it is still the one registered for its key (a retired pool). */
    public void remove(Pool pool) {
        pools.remove(pool.key(), pool);
    }

    public Collection<Pool> all() {
        return List.copyOf(pools.values());
    }
}
