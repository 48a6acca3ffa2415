package io.pooler.server.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.function.LongConsumer;

/**
 * One direction of a replication connection once it is logged in: whatever its channel reads is written
 * to {@code peer} as it came (the COPY BOTH stream of START_REPLICATION, BASE_BACKUP's archives, the
 * replication commands), with no parsing, because the server is this client's own and nobody else's
 * state can be touched by it. Backpressure both ways: reading stops while the peer's socket is full and
 * starts again when it drains.
 *
 * <p>On the server's side it sits in place of the frame decoder, in front of the connection's own
 * handler; on the client's side behind the client's handler, which is its frame decoder and then passes
 * bytes on as they came. Either way the connection's handler still hears of the channel's close and errors.
 *
 * <p>Threads: both channels are on one event loop (a dedicated server is launched on its client's loop).
 */
final class ByteRelay extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    /** The client's side tells its connection handler a read ended, which is how client_idle_timeout sees activity. */
    private final boolean passReadComplete;
    /** SHOW STATS' bytes received (client to server) or sent (server to client), per read burst. */
    private final LongConsumer bytesCounter;
    private long burstBytes;

    ByteRelay(Channel peer, boolean passReadComplete, LongConsumer bytesCounter) {
        this.peer = peer;
        this.passReadComplete = passReadComplete;
        this.bytesCounter = bytesCounter;
    }

    /** Ownership: the buffer goes to the peer's write, which releases it, or is released here. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (peer.isActive()) {
            if (msg instanceof ByteBuf buf) {
                burstBytes += buf.readableBytes();
            }
            peer.write(msg, peer.voidPromise());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        if (burstBytes > 0) {
            bytesCounter.accept(burstBytes);
            burstBytes = 0;
        }
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
        if (passReadComplete) {
            ctx.fireChannelReadComplete();
        }
    }

    /** This channel drained: the peer, stopped because of it, may read again. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
    }
}
