package io.pooler.server.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.pooler.protocol.FramePart;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.ProtocolException;
import io.pooler.server.PoolerRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty side of a client connection: hands each event to its {@link ClientConnection}. The
 * untyped packets before login go to a {@link ClientStartupHandler} put in front of this one, which
 * leaves the pipeline once the StartupMessage has come.
 */
public final class ClientHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientHandler.class);

    private final PoolerRuntime runtime;
    private final PgFrameDecoder decoder;
    private ClientConnection connection;

    public ClientHandler(PoolerRuntime runtime, PgFrameDecoder decoder) {
        this.runtime = runtime;
        this.decoder = decoder;
    }

    /** Shutdown WAIT_FOR_SERVERS: the client goes as soon as it has no transaction running. */
    public void shutdownRequested() {
        if (connection != null) {
            connection.shutdownRequested();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connection = new ClientConnection(runtime, ctx.channel());
        ctx.pipeline().addBefore(ctx.name(), null, new ClientStartupHandler(runtime, decoder, connection));
        connection.onActive();
        ctx.fireChannelActive();
    }

    /**
     * Hands each decoded message on. NOTE: from the call to {@code onMessage} on, the connection owns
     * the frame and deals with every error itself; nothing here releases it again (see the ownership
     * rule in {@code io.pooler.protocol}).
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf || msg instanceof FramePart) {
            connection.onMessage(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        connection.onReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        connection.onWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.onInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof ProtocolException e) {
            connection.onProtocolError(e);
        } else if (!ctx.channel().isActive()) {
            log.debug("{} error after close: {}", connection, root.toString()); // e.g. relayed writes to a gone client
        } else {
            log.info("{} connection error: {}", connection, root.toString());
            ctx.close();
        }
    }
}
