package io.pooler.server.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.pooler.protocol.BackendMessageCheck;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.FramePart;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import io.pooler.server.client.ClientConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty side of a server connection: each event of its channel, on its event loop, handed to
 * the {@link ServerLogin} until the first ReadyForQuery, then to the {@link BackendRelay}, which gets
 * the messages that arrive together as one buffer.
 */
final class ServerHandler extends ChannelInboundHandlerAdapter {
    /** Logged as the connection's own lines, as before the split. */
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
    private final ServerConnection server;

    ServerHandler(ServerConnection server) {
        this.server = server;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        server.onConnected(ctx);
    }

    /** Ownership as in {@code io.pooler.protocol}: each message is relayed or released once, here or below. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FramePart part) {
            if (server.isLoggedIn()) {
                server.relay().handlePart(part);
            } else if (server.login() != null && server.login().dropsStreamedParts()) {
                part.release();
            } else {
                part.release();
                server.loginFailed(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                        "unexpected message '" + (char) part.type() + "' from server during login"));
            }
            return;
        }
        if (!(msg instanceof ByteBuf frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!server.isLoggedIn()) {
            if (server.isClosed()) {
                // Its login failed earlier in this read (a FATAL, a broken message): whatever followed in the
                // same packet is not a login, or a ReadyForQuery would log in a server that is closing.
                frame.release();
                return;
            }
            try {
                BackendMessageCheck.check(frame);
                ServerLogin login = server.login();
                if (login != null) {
                    login.handleMessage(ctx, frame);
                }
                if (server.isLoggedIn()) {
                    relayInRuns(ctx);
                }
            } catch (ProtocolException e) {
                server.loginFailed(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, e.getMessage()));
            } finally {
                frame.release();
            }
            return;
        }
        server.relay().handleRun(frame); // one or more whole messages (relayInRuns)
    }

    /**
     * Logged in: from the next message on, the decoder hands over whole messages that arrived together
     * as one buffer, which the relay passes on as one write where it leaves them unchanged.
     */
    private static void relayInRuns(ChannelHandlerContext ctx) {
        PgFrameDecoder decoder = ctx.pipeline().get(PgFrameDecoder.class);
        if (decoder != null) {
            decoder.emitRuns();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        server.relay().endOfReadBurst(ctx.channel());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        server.onInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ClientConnection client = server.linkedClient();
        if (client != null && ctx.channel().isWritable()) {
            client.readingMayResume();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null
                ? cause.getCause() : cause;
        if (root instanceof ProtocolException) {
            log.warn("{} protocol error from server: {}", server, root.getMessage());
        } else {
            log.info("{} connection error: {}", server, ServerConnection.describe(root));
        }
        ctx.close();
    }
}
