package io.pooler.admin;

import io.pooler.config.PoolMode;
import io.pooler.pool.PoolSnapshot;
import io.pooler.stats.PoolStats;

/**
 * One pool as SHOW POOLS and SHOW STATS see it: its counts taken on its shards' loops, its mode, its stats.
 *
 * @param clPinned Pooler's own: the pool's clients that keep their server across transactions because of
 *                 session state they left on it (SHOW CLIENTS' {@code pinned} column not empty), counted on
 *                 the shards' loops with the other counts
 * @param clientConnections the pool's client connections as SHOW CLIENTS lists them (the pooler's own
 *                 users of its servers, auth_query and the LISTEN hubs, not among them), counted with the rest
 */
public record PoolView(PoolSnapshot counts, PoolMode poolMode, PoolStats stats, int clPinned, int clientConnections) {

    public String database() {
        return counts.key().database();
    }

    public String user() {
        return counts.key().user();
    }
}
