package io.pooler.server.admin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.ArrayDeque;

/**
 * First in a client's pipeline: while the pooler is suspended (SUSPEND), holds what the client sends and
 * stops reading from its socket; RESUME lets it through in order. Holding here, before the protocol
 * handlers, means no handler has to know about suspension.
 *
 * <p>Threads: owned by the channel's event loop; {@link #release} hops onto it.
 */
public final class SuspendGate extends ChannelInboundHandlerAdapter {
    private final AdminState state;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;

    public SuspendGate(AdminState state) {
        this.state = state;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        state.gates().add(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state.isSuspended() || !held.isEmpty()) {
            held.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (held.isEmpty()) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state.gates().remove(this);
        held.forEach(io.netty.util.ReferenceCountUtil::release);
        held.clear();
        ctx.fireChannelInactive();
    }

    /** RESUME: passes on what was held and reads again. Any thread. */
    void release() {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return;
        }
        c.executor().execute(() -> {
            if (held.isEmpty() || !c.channel().isActive()) {
                return;
            }
            while (!held.isEmpty()) {
                c.fireChannelRead(held.poll());
            }
            c.fireChannelReadComplete();
            c.channel().config().setAutoRead(true);
        });
    }
}
