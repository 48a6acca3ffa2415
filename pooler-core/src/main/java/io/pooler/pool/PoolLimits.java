package io.pooler.pool;

import java.util.function.Predicate;

/**
 * What a pool shares with the other pools of its database and user: the server counters behind
 * max_db_connections and max_user_connections, and a way to free a slot held by an idle server of
 * another pool of the same database when the database's limit is full.
 */
public record PoolLimits(ConnectionCounter databaseServers, ConnectionCounter userServers,
                         Predicate<Pool> closeIdleServerElsewhere) {

    /** No sharing: for a pool on its own (tests). */
    public static PoolLimits unshared() {
        return new PoolLimits(new ConnectionCounter(), new ConnectionCounter(), pool -> false);
    }
}
