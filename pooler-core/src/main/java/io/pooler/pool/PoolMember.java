package io.pooler.pool;

/**
 * A connection that belongs to a pool: the links of the state list it is in. Only {@link Pool}
 * moves members between lists, always under its lock.
 */
public abstract class PoolMember {
    PoolMember prev;
    PoolMember next;
    StateList<?> list;
}
