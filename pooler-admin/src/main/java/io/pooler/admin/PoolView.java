package io.pooler.admin;

import io.pooler.config.PoolMode;
import io.pooler.pool.PoolSnapshot;
import io.pooler.stats.PoolStats;

import java.util.Map;

/**
 * One pool as SHOW POOLS and SHOW STATS see it: its counts taken on its shards' loops, its mode, its stats.
 *
 * @param clPinned Pooler's own: the pool's clients that keep their server across transactions because of
 *                 session state they left on it (SHOW CLIENTS' {@code pinned} column not empty), counted on
 *                 the shards' loops with the other counts
 * @param clientsByUser the pool's client connections as SHOW CLIENTS lists them (the pooler's own users of
 *                 its servers, auth_query and the LISTEN hubs, not among them), counted with the rest by the
 *                 user each logged in as, which is not the pool's user where the database forces one
 */
public record PoolView(PoolSnapshot counts, PoolMode poolMode, PoolStats stats, int clPinned,
                       Map<String, Integer> clientsByUser) {

    /** The pool's client connections as SHOW CLIENTS lists them. */
    public int clientConnections() {
        int n = 0;
        for (int count : clientsByUser.values()) {
            n += count;
        }
        return n;
    }

    public String database() {
        return counts.key().database();
    }

    public String user() {
        return counts.key().user();
    }
}
