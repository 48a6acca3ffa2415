package io.pooler.pool;

/** The counts of one pool at one moment, taken under its lock: what SHOW POOLS prints. */
public record PoolSnapshot(
        PoolKey key,
        int clLogin,
        int clActive,
        int clWaiting,
        int svActive,
        int svIdle,
        int svUsed,
        int svTested,
        int svLogin,
        long maxWaitMicros) {

    public int totalServers() {
        return svActive + svIdle + svUsed + svTested + svLogin;
    }
}
