package io.pooler.pool;

/**
 * A connection that belongs to a pool: the links of the state list it is in. Only its
 * {@link PoolShard} moves members between lists ({@link ShardLists}), always on the shard's event loop.
 */
public abstract class PoolMember {
    PoolMember prev;
    PoolMember next;
    StateList<?> list;
}
