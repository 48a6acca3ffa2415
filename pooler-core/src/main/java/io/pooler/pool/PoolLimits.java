package io.pooler.pool;

import java.util.function.Predicate;

/**
 * What a pool shares with the other pools of its database and user: the server counters behind
 * max_db_connections and max_user_connections, and ways to free a slot held by an idle server of
 * another pool of the same database, or of the same user, when that limit is full (PgBouncer's
 * evict_connection and evict_user_connection).
 */
public record PoolLimits(ConnectionCounter databaseServers, ConnectionCounter userServers,
                         Predicate<Pool> closeIdleServerOfSameDatabase, Predicate<Pool> closeIdleServerOfSameUser) {
    // NOTE: the predicates are called on the starved pool's event loop: they post work to the loops of
    // the other pools' shards and never read those shards themselves.

    /** No sharing: for a pool on its own (tests). */
    public static PoolLimits unshared() {
        return new PoolLimits(new ConnectionCounter(), new ConnectionCounter(), pool -> false, pool -> false);
    }
}
