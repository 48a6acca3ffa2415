package io.pooler.server.peers;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.pooler.config.PeerEntry;
import io.pooler.config.PoolerConfig;
import io.pooler.protocol.FrontendMessages;
import io.pooler.server.backend.BackendConnector;
import io.pooler.server.net.CancelWaitTimeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The cancel requests on their way to one peer (PgBouncer's peer pool): each goes over a connection of its
 * own, as the protocol wants, and at most the peer's {@code pool_size} connections are open at once; the
 * rest wait, for no longer than {@code cancel_wait_timeout}. The waiting queue is capped at
 * {@code max_client_conn}, so a flood of cancel requests costs bounded memory.
 *
 * <p>Counts as PgBouncer's SHOW PEER_POOLS: a request is waiting ({@code cl_waiting_cancel_req}) until it
 * has a connection, then active ({@code cl_active_cancel_req}) until that connection closes; a connection is
 * logging in ({@code sv_login}) while its TCP connect runs, then active ({@code sv_active_cancel}).
 *
 * <p>Threads: owned by {@link #loop}; {@link #submit} may be called from any thread. {@link #row()} is a
 * snapshot republished after each change.
 */
final class PeerPool {
    private static final Logger log = LoggerFactory.getLogger(PeerPool.class);

    private final int peerId;
    private final EventLoop loop;
    private final BackendConnector connector;
    private final Supplier<PoolerConfig> config;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private int connecting;
    private int active;
    private volatile PeerPoolRow row;

    /** A request not yet sent: the key as it goes to the peer, when it arrived, what runs once it is finished with. */
    private record Pending(int processId, int secretKey, long arrivedNanos, Runnable done) {
    }

    PeerPool(int peerId, EventLoop loop, BackendConnector connector, Supplier<PoolerConfig> config) {
        this.peerId = peerId;
        this.loop = loop;
        this.connector = connector;
        this.config = config;
        this.row = new PeerPoolRow(peerId, 0, 0, 0, 0);
    }

    int peerId() {
        return peerId;
    }

    PeerPoolRow row() {
        return row;
    }

    /**
     * Queues a cancel request for the peer; the key already carries its decremented TTL. {@code done} runs
     * once, on this pool's loop (on the caller's while shutting down), when the request is finished with:
     * sent and its connection closed, or dropped. Any thread.
     */
    void submit(int processId, int secretKey, Runnable done) {
        try {
            loop.execute(() -> queue(processId, secretKey, done));
        } catch (RejectedExecutionException shuttingDown) {
            done.run();
        }
    }

    private void queue(int processId, int secretKey, Runnable done) {
        if (waiting.size() >= Math.max(1, config.get().settings().maxClientConn())) {
            log.warn("cancel request for peer {} dropped: {} already waiting", peerId, waiting.size());
            done.run();
            return;
        }
        waiting.add(new Pending(processId, secretKey, System.nanoTime(), done));
        launch();
    }

    private void launch() {
        PoolerConfig c = config.get();
        PeerEntry peer = c.peers().get(peerId);
        long maxWait = c.settings().cancelWaitTimeout().toNanos();
        long now = System.nanoTime();
        while (!waiting.isEmpty() && maxWait > 0 && now - waiting.peek().arrivedNanos() > maxWait) {
            waiting.poll().done().run();
            log.warn("cancel request for peer {} dropped: not sent within cancel_wait_timeout", peerId);
        }
        if (peer == null) {
            if (!waiting.isEmpty()) {
                log.warn("{} cancel request(s) for peer {} dropped: the peer is no longer configured", waiting.size(), peerId);
                waiting.forEach(dropped -> dropped.done().run());
                waiting.clear();
            }
        } else {
            int size = Math.max(1, peer.effectivePoolSize(c.settings()));
            while (!waiting.isEmpty() && connecting + active < size) {
                send(peer, waiting.poll());
            }
        }
        publish();
    }

    private void send(PeerEntry peer, Pending request) {
        connecting++;
        Duration waitLimit = config.get().settings().cancelWaitTimeout();
        connector.connectToPeer(loop, peer, new ChannelInboundHandlerAdapter() {
            /**
             * The peer closes the connection once it has handled the request; cancel_wait_timeout bounds the
             * wait from before the connect, as PgBouncer gives up a connection to a peer still logging in.
             * Added as the connect starts, so this is the moment.
             */
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                CancelWaitTimeout.giveUpAfter(loop, ctx.channel(), waitLimit, () -> { });
            }

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(FrontendMessages.cancelRequest(ctx.alloc(), request.processId(), request.secretKey()));
                ctx.fireChannelActive();
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg); // a peer answers a cancel request with nothing but a close
            }
        }).addListener(f -> {
            connecting--;
            if (f.isSuccess()) {
                active++;
                log.debug("cancel request forwarded to peer {} at {}:{}", peerId, peer.host(), peer.port());
                ((Channel) f.getNow()).closeFuture().addListener(closed -> {
                    active--;
                    request.done().run();
                    launch();
                });
            } else {
                if (f.cause() instanceof ClosedChannelException) {
                    log.warn("cancel request for peer {} dropped: peer not reached within cancel_wait_timeout", peerId);
                } else {
                    log.warn("could not forward cancel request to peer {} at {}:{}: {}", peerId, peer.host(), peer.port(),
                            f.cause().getMessage());
                }
                request.done().run();
            }
            launch();
        });
        publish();
    }

    private void publish() {
        row = new PeerPoolRow(peerId, connecting + active, waiting.size(), active, connecting);
    }
}
