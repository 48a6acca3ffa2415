package io.pooler.server.admin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pooler.protocol.StartupPacket;

import java.util.ArrayDeque;

/**
 * Between a client's frame decoder and its handler: while the pooler is suspended (SUSPEND), holds the
 * client's messages and stops reading from its socket; RESUME lets them through in order. Holding here
 * means no protocol handler has to know about suspension. Connections to the admin console are never
 * held, as in PgBouncer, so RESUME can reach the pooler.
 *
 * <p>Threads: owned by the channel's event loop; {@link #release} hops onto it.
 */
public final class SuspendGate extends ChannelInboundHandlerAdapter {
    private final AdminState state;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean console;

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
        if (msg instanceof StartupPacket packet) {
            String database = packet.parameters().getOrDefault("database", packet.parameters().get("user"));
            console = ConsoleSession.DATABASE.equals(database);
        } else if (!console && (state.isSuspended() || !held.isEmpty())) {
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
        held.forEach(ReferenceCountUtil::release);
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
