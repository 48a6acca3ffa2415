package io.pooler.admin;

import io.pooler.config.PoolMode;
import io.pooler.pool.PoolSnapshot;
import io.pooler.stats.PoolStats;

/** One pool as SHOW POOLS and SHOW STATS see it: its counts taken under its lock, its mode, its stats. */
public record PoolView(PoolSnapshot counts, PoolMode poolMode, PoolStats stats) {

    public String database() {
        return counts.key().database();
    }

    public String user() {
        return counts.key().user();
    }
}
