package io.pooler.server.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.Channel;
import io.pooler.config.DatabaseEntry;
import io.pooler.config.PoolerConfig;
import io.pooler.config.Settings;
import io.pooler.pool.Pool;
import io.pooler.pool.PooledServer;
import io.pooler.pool.ServerFactory;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.server.PoolerRuntime;
import io.pooler.server.RuntimeConfig;
import io.pooler.server.tls.ServerTls;
import io.pooler.server.tls.ServerTlsNegotiator;
import io.netty.util.concurrent.Future;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Makes server connections for pools. Each opens on the event loop it is given, which is the loop of
 * the client that needed it, so a linked pair usually runs on one thread.
 */
public final class BackendConnector implements ServerFactory {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BackendConnector.class);
    private final PoolerRuntime runtime;

    public BackendConnector(PoolerRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public PooledServer newServer(Pool pool, EventLoop loop) {
        RuntimeConfig rc = runtime.config();
        PoolerConfig config = rc.config();
        DatabaseEntry db = config.findDatabase(pool.key().database())
                .orElseThrow(() -> new IllegalStateException("database entry gone: " + pool.key().database()));
        BackendTarget target = BackendTarget.resolve(config, rc.userlist(), runtime.passThrough(), db, pool.key().user());
        Settings s = config.settings();
        String reset = s.serverResetQuery();
        return new ServerConnection(pool, this, loop, target, s.serverConnectTimeout(), reset == null ? "" : reset);
    }

    /** server_check_query of the running config; empty sends an empty query, as PgBouncer does. */
    String serverCheckQuery() {
        return runtime.config().config().settings().serverCheckQuery();
    }

    boolean logConnections() {
        return runtime.config().config().settings().logConnections();
    }

    boolean logDisconnections() {
        return runtime.config().config().settings().logDisconnections();
    }

    /** Connects a server connection's channel; the handler then logs in. */
    ChannelFuture open(ServerConnection server, EventLoop loop, ChannelHandler handler) {
        Settings s = runtime.config().config().settings();
        int maxPacket = s.maxPacketSize();
        return bootstrap(loop, server.target().address(), s)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        PgFrameDecoder decoder = PgFrameDecoder.forServer(maxPacket);
                        decoder.setLimits(maxPacket, s.maxParsedMessageSize(), ServerConnection.STREAMED, PgFrameDecoder.TypeLimit.NONE);
                        ch.pipeline().addLast(decoder, handler);
                    }
                })
                .connect(server.target().address());
    }

    /**
     * server_tls_sslmode on a freshly connected server channel: SSLRequest and the TLS handshake when the
     * mode asks for TLS and the server is reached over TCP. Succeeds when the StartupMessage may follow.
     */
    Future<Void> negotiateTls(ServerConnection server) {
        Channel channel = server.channel();
        ServerTls tls = runtime.config().tls().server();
        if (!(server.target().address() instanceof InetSocketAddress inet)) {
            return channel.eventLoop().newSucceededFuture(null); // unix socket: no TLS, as PgBouncer
        }
        long timeout = runtime.config().config().settings().serverConnectTimeout().toMillis();
        return ServerTlsNegotiator.negotiate(channel, tls, inet.getHostString(), inet.getPort(), timeout);
    }

    /** Sends a CancelRequest for whatever {@code server} is running, then runs {@code then}. */
    void sendCancel(ServerConnection server, Runnable then) {
        openRaw(server.eventLoop(), server.target().address(), new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                writeCancelRequest(ctx.channel(), server.target().address(), server.backendProcessId(),
                        server.backendSecretKey());
            }
        }).addListener(f -> {
            if (f.isSuccess()) {
                ((io.netty.channel.ChannelFuture) f).channel().closeFuture().addListener(closed -> then.run());
            } else {
                then.run();
            }
        });
    }

    /**
     * Writes a CancelRequest on a fresh connection to {@code address}, after the same SSLRequest and TLS
     * handshake a login would do under server_tls_sslmode, as PgBouncer does: the key cancels that
     * backend's queries for whoever reads it off the wire. Closes the channel if TLS cannot be had.
     */
    public void writeCancelRequest(Channel channel, SocketAddress address, int processId, int secretKey) {
        Future<Void> tls = address instanceof InetSocketAddress inet
                ? ServerTlsNegotiator.negotiate(channel, runtime.config().tls().server(), inet.getHostString(),
                        inet.getPort(), runtime.config().config().settings().serverConnectTimeout().toMillis())
                : channel.eventLoop().newSucceededFuture(null);
        tls.addListener(f -> {
            if (f.isSuccess()) {
                channel.writeAndFlush(io.pooler.protocol.FrontendMessages.cancelRequest(channel.alloc(), processId, secretKey));
            } else {
                log.warn("cancel request to {} not sent: {}", address, f.cause().getMessage());
                channel.close();
            }
        });
    }

    /** A one-off connection for a CancelRequest to the server behind {@code server}. */
    public ChannelFuture openRaw(EventLoop loop, SocketAddress address, ChannelHandler handler) {
        Settings s = runtime.config().config().settings();
        return bootstrap(loop, address, s).handler(handler).connect(address);
    }

    private Bootstrap bootstrap(EventLoop loop, SocketAddress address, Settings s) {
        boolean unix = address instanceof io.netty.channel.unix.DomainSocketAddress;
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(unix ? runtime.transport().domainChannel() : runtime.transport().socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, Math.min(Integer.MAX_VALUE, s.serverConnectTimeout().toMillis())));
        if (!unix) {
            b.option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_KEEPALIVE, s.tcpKeepalive());
        }
        return b;
    }
}
