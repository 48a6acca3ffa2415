package io.pooler.pool;

import java.util.List;

/** The counts of one pool (or one shard of it) at one moment, read on the shards' own loops: what SHOW POOLS prints. */
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
        long maxWaitMicros,
        int clActiveCancelReq,
        int clWaitingCancelReq,
        int svActiveCancel,
        int svBeingCanceled) {

    /** The shards' counts of one pool added up; maxwait is the oldest waiting client over all shards. */
    public static PoolSnapshot sum(PoolKey key, List<PoolSnapshot> parts) {
        return sum(key, parts, 0);
    }

    /** As {@link #sum(PoolKey, List)}, with {@code idleInTransit} servers moving between loops counted as idle. */
    public static PoolSnapshot sum(PoolKey key, List<PoolSnapshot> parts, int idleInTransit) {
        int clLogin = 0, clActive = 0, clWaiting = 0, svActive = 0, svIdle = idleInTransit, svUsed = 0, svTested = 0, svLogin = 0;
        int clActiveCancelReq = 0, clWaitingCancelReq = 0, svActiveCancel = 0, svBeingCanceled = 0;
        long maxWait = 0;
        for (PoolSnapshot p : parts) {
            clLogin += p.clLogin;
            clActive += p.clActive;
            clWaiting += p.clWaiting;
            svActive += p.svActive;
            svIdle += p.svIdle;
            svUsed += p.svUsed;
            svTested += p.svTested;
            svLogin += p.svLogin;
            maxWait = Math.max(maxWait, p.maxWaitMicros);
            clActiveCancelReq += p.clActiveCancelReq;
            clWaitingCancelReq += p.clWaitingCancelReq;
            svActiveCancel += p.svActiveCancel;
            svBeingCanceled += p.svBeingCanceled;
        }
        return new PoolSnapshot(key, clLogin, clActive, clWaiting, svActive, svIdle, svUsed, svTested, svLogin, maxWait,
                clActiveCancelReq, clWaitingCancelReq, svActiveCancel, svBeingCanceled);
    }

    /** The pool's own servers (what pool_size counts); the short-lived cancel connections are not among them. */
    public int totalServers() {
        return svActive + svIdle + svUsed + svTested + svLogin + svBeingCanceled;
    }
}
