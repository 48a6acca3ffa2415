package io.pooler.server.peers;

import io.netty.channel.EventLoopGroup;
import io.pooler.config.PoolerConfig;
import io.pooler.server.backend.BackendConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Cancel routing between peered poolers (PgBouncer 1.19+ {@code [peers]}): a CancelRequest whose key names
 * another peer is sent on to that peer, through a {@link PeerPool} per peer created on first use. A key
 * naming an unknown peer, or whose TTL is spent, is dropped, as PgBouncer drops it. The routing decision is
 * {@link io.pooler.server.client.CancelForwarder}'s; this class only owns the pools.
 *
 * <p>Threads: any; each pool lives on one worker loop.
 */
public final class PeerPools {
    private static final Logger log = LoggerFactory.getLogger(PeerPools.class);

    private final ConcurrentHashMap<Integer, PeerPool> pools = new ConcurrentHashMap<>();
    private final BackendConnector connector;
    private final EventLoopGroup loops;
    private final Supplier<PoolerConfig> config;

    public PeerPools(BackendConnector connector, EventLoopGroup loops, Supplier<PoolerConfig> config) {
        this.connector = connector;
        this.loops = loops;
        this.config = config;
    }

    /**
     * Forwards a cancel request to peer {@code peerId}; {@code secretKey} is as the client sent it.
     * Returns false, having sent nothing, when the peer is not configured or the key's TTL is spent.
     * {@code done} runs once, on any thread, when the request is finished with: its connection to the
     * peer closed, given up, or the request dropped.
     */
    public boolean forward(int peerId, int processId, int secretKey, Runnable done) {
        if (CancelKey.ttl(secretKey) == 0) {
            log.info("cancel request for peer {} dropped: forwarded too many times (TTL exhausted)", peerId);
            done.run();
            return false;
        }
        if (!config.get().peers().containsKey(peerId)) {
            log.info("cancel request dropped: could not find peer {} to forward it to", peerId);
            done.run();
            return false;
        }
        pools.computeIfAbsent(peerId, id -> new PeerPool(id, loops.next(), connector, config))
                .submit(processId, CancelKey.forwarded(secretKey), done);
        return true;
    }

    /** SHOW PEER_POOLS: the pools made so far of peers still configured, in id order. */
    public List<PeerPoolRow> rows() {
        List<PeerPoolRow> rows = new ArrayList<>();
        for (PeerPool pool : pools.values()) {
            if (config.get().peers().containsKey(pool.peerId())) {
                rows.add(pool.row());
            }
        }
        rows.sort(Comparator.comparingInt(PeerPoolRow::peerId));
        return rows;
    }
}
