package io.pooler.server.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pooler.protocol.StartupPacket;

/**
 * The start of a server connection under server_tls_sslmode: sends SSLRequest, reads PostgreSQL's one-byte
 * answer, and on 'S' runs the TLS handshake with a handler put first in the pipeline. The returned future
 * succeeds when the StartupMessage may be sent (over TLS, or in the clear when TLS was refused and the mode
 * allows it) and fails with a message fit for the log and for the client otherwise.
 *
 * <p>Sits first in the pipeline, before the frame decoder, while it waits for the answer, then removes itself.
 */
public final class ServerTlsNegotiator extends ChannelInboundHandlerAdapter {
    private final ServerTls tls;
    private final String host;
    private final int port;
    private final long handshakeTimeoutMillis;
    private final Promise<Void> done;

    private ServerTlsNegotiator(ServerTls tls, String host, int port, long handshakeTimeoutMillis, Promise<Void> done) {
        this.tls = tls;
        this.host = host;
        this.port = port;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.done = done;
    }

    /**
     * Negotiates TLS on a freshly connected TCP channel to {@code host:port}; call on its event loop. When
     * {@code tls} asks for none, the future is already successful.
     */
    public static Future<Void> negotiate(Channel channel, ServerTls tls, String host, int port, long handshakeTimeoutMillis) {
        Promise<Void> done = channel.eventLoop().newPromise();
        if (!tls.requestsTls()) {
            return done.setSuccess(null);
        }
        channel.pipeline().addFirst("tls-negotiator", new ServerTlsNegotiator(tls, host, port, handshakeTimeoutMillis, done));
        ByteBuf request = channel.alloc().buffer(8).writeInt(8).writeInt(StartupPacket.SSL_REQUEST_CODE);
        channel.writeAndFlush(request);
        return done;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        byte answer;
        boolean more;
        try {
            answer = in.readByte();
            more = in.isReadable();
        } finally {
            in.release();
        }
        ctx.pipeline().remove(this);
        if (more) {
            // Bytes after the answer came before any handshake: nobody vouches for them (CVE-2021-23222).
            fail("server sent unencrypted data after its answer to SSLRequest");
        } else if (answer == 'S') {
            SslHandler handler = tls.newHandler(ctx.alloc(), host, port);
            handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
            ctx.pipeline().addFirst("tls", handler);
            handler.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    done.trySuccess(null);
                } else {
                    fail("TLS handshake with the server failed: " + TlsChannels.describeFailure(f.cause()));
                }
            });
        } else if (answer == 'N') {
            if (tls.requiresTls()) {
                fail("server refused TLS (server_tls_sslmode = " + tls.mode().configName() + ")");
            } else {
                done.trySuccess(null);
            }
        } else {
            fail("unexpected answer to SSLRequest from server: byte " + (answer & 0xff));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail("server closed the connection before answering SSLRequest");
        ctx.fireChannelInactive();
    }

    private void fail(String message) {
        done.tryFailure(new TlsNegotiationException(message));
    }

    /** Why no StartupMessage could be sent; the message says it for the log and the client. */
    public static final class TlsNegotiationException extends Exception {
        TlsNegotiationException(String message) {
            super(message, null, false, false);
        }
    }
}
