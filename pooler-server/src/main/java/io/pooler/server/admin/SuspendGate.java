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
    /** Messages held while suspended; null until the first is, since most clients never are. */
    private ArrayDeque<Object> held;
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
        } else if (!console && (state.isSuspended() || isHolding())) {
            if (held == null) {
                held = new ArrayDeque<>();
            }
            held.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!isHolding()) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state.gates().remove(this);
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held = null;
        }
        ctx.fireChannelInactive();
    }

    private boolean isHolding() {
        return held != null && !held.isEmpty();
    }

    /** RESUME: passes on what was held and reads again. Any thread. */
    void release() {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return;
        }
        c.executor().execute(() -> {
            if (!isHolding() || !c.channel().isActive()) {
                return;
            }
            ArrayDeque<Object> messages = held;
            held = null;
            while (!messages.isEmpty()) {
                c.fireChannelRead(messages.poll());
            }
            c.fireChannelReadComplete();
            c.channel().config().setAutoRead(true);
        });
    }
}
