package io.pooler.server.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.Channel;
import io.pooler.config.DatabaseEntry;
import io.pooler.config.PoolerConfig;
import io.pooler.config.Settings;
import io.pooler.pool.Pool;
import io.pooler.pool.PooledServer;
import io.pooler.pool.ServerFactory;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.prepared.ByteBudget;
import io.pooler.pool.PoolRegistry;
import io.pooler.server.RuntimeConfig;
import io.pooler.server.net.CancelWaitTimeout;
import io.pooler.server.net.Transport;
import io.pooler.server.tls.ServerTls;
import io.pooler.server.tls.ServerTlsNegotiator;
import io.pooler.server.dns.DnsCache;
import io.pooler.server.dns.DnsResolvers;
import io.pooler.server.net.TcpTuning;
import io.netty.util.concurrent.Future;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.net.SocketAddress;
import java.util.function.Supplier;

/**
 * Makes server connections for pools. Each opens on the event loop it is given, which is the loop of
 * the client that needed it, so a linked pair usually runs on one thread. Host names go through the
 * {@link DnsCache}; host lists and failover are {@link ServerDial}'s. Also makes the one-off connections
 * of cancel requests, to servers and to peers.
 */
public final class BackendConnector implements ServerFactory {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BackendConnector.class);
    private final Supplier<RuntimeConfig> config;
    private final Transport transport;
    private final PassThroughCredentials passThrough;
    private final PoolRegistry pools;
    private final DnsCache dns;
    /** The bytes of statement text all servers' caches keep, shared by every server (ServerStatements). */
    private final ByteBudget statementBudget;
    private final java.util.concurrent.ConcurrentHashMap<String, HostCursor> hostCursors =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param workers the event loops; one of them runs the DNS cache
     * @param passThrough the passwords learnt from clients, for databases without one of their own
     * @param pools the pools whose servers a DNS change marks close-needed
     * @param statementBudget the bytes of statement text all servers' caches may keep together
     */
    public BackendConnector(EventLoopGroup workers, Transport transport, Supplier<RuntimeConfig> config,
                            PassThroughCredentials passThrough, PoolRegistry pools, ByteBudget statementBudget) {
        this.config = config;
        this.statementBudget = statementBudget;
        this.transport = transport;
        this.passThrough = passThrough;
        this.pools = pools;
        EventLoop dnsLoop = workers.next();
        this.dns = new DnsCache(dnsLoop,
                () -> DnsResolvers.build(dnsLoop, transport, config.get().config().settings().resolvConf()),
                () -> config.get().config().settings(), this::addressGone);
    }

    ByteBudget statementBudget() {
        return statementBudget;
    }

    /** Idle server connections move between event loops (ServerConnection.moveTo). */
    @Override
    public boolean serversCanMove() {
        return true;
    }

    @Override
    public PooledServer newServer(Pool pool, EventLoop loop) {
        RuntimeConfig rc = config.get();
        PoolerConfig running = rc.config();
        DatabaseEntry db = running.findDatabase(pool.key().database())
                .orElseThrow(() -> new IllegalStateException("database entry gone: " + pool.key().database()));
        BackendTarget target = BackendTarget.resolve(running, rc.userlist(), passThrough, db, pool.key().user());
        Settings s = running.settings();
        String reset = s.serverResetQuery();
        return new ServerConnection(pool, this, loop, target, s.serverConnectTimeout(), reset == null ? "" : reset);
    }

    /** server_check_query of the running config; empty sends an empty query, as PgBouncer does. */
    String serverCheckQuery() {
        return config.get().config().settings().serverCheckQuery();
    }

    boolean logConnections() {
        return config.get().config().settings().logConnections();
    }

    boolean logDisconnections() {
        return config.get().config().settings().logDisconnections();
    }

    /**
     * Starts connecting a server connection: the host list, DNS and failover are {@link ServerDial}'s; once
     * a channel is connected it gets the frame decoder and {@code handler}, which then logs in.
     */
    ServerDial open(ServerConnection server, EventLoop loop, ChannelHandler handler) {
        Settings s = config.get().config().settings();
        int maxPacket = s.maxPacketSize();
        int maxParsed = s.maxParsedMessageSize();
        BackendTarget target = server.target();
        ServerDial dial = new ServerDial(this, server, loop, target, cursor(server.pool().key().database(), target),
                ch -> {
                    PgFrameDecoder decoder = PgFrameDecoder.forServer(maxPacket);
                    decoder.setLimits(maxPacket, maxParsed, ServerConnection.STREAMED, PgFrameDecoder.TypeLimit.NONE);
                    ch.pipeline().addLast(decoder, handler);
                });
        dial.start();
        return dial;
    }

    private HostCursor cursor(String database, BackendTarget target) {
        // Keyed by the host list too: a reload that changes the list starts a fresh cursor.
        return hostCursors.computeIfAbsent(database + "\0" + String.join(",", target.hosts()) + "\0"
                + target.loadBalanceHosts(), k -> new HostCursor(target.loadBalanceHosts()));
    }

    /** One TCP or Unix-socket connect with the server-side socket options; {@code handler} is the pipeline. */
    ChannelFuture connect(EventLoop loop, SocketAddress address, ChannelHandler handler) {
        Settings s = config.get().config().settings();
        return bootstrap(loop, address, s).handler(handler).connect(address);
    }

    /**
     * server_tls_sslmode on a freshly connected server channel: SSLRequest and the TLS handshake when the
     * mode asks for TLS and the server is reached over TCP. Succeeds when the StartupMessage may follow.
     * The certificate is checked against the host name the connection was made through.
     */
    Future<Void> negotiateTls(ServerConnection server) {
        Channel channel = server.channel();
        ServerTls tls = config.get().tls().server();
        if (!(channel.remoteAddress() instanceof InetSocketAddress)) {
            return channel.eventLoop().newSucceededFuture(null); // unix socket: no TLS, as PgBouncer
        }
        long timeout = config.get().config().settings().serverConnectTimeout().toMillis();
        return ServerTlsNegotiator.negotiate(channel, tls, dialedHost(server), server.target().port(), timeout);
    }

    /** Sends a CancelRequest for whatever {@code server} is running, then runs {@code then}. */
    void sendCancel(ServerConnection server, Runnable then) {
        sendCancelRequest(server.eventLoop(), server, server.backendProcessId(), server.backendSecretKey())
                .addListener(f -> then.run());
    }

    /**
     * Sends a CancelRequest with {@code server}'s backend key on a new connection to the very address the
     * server is connected to (a host list or a moved DNS name must not send it elsewhere), after the same
     * SSLRequest and TLS handshake a login does under server_tls_sslmode, as PgBouncer does. PostgreSQL
     * closes the connection once it has signalled the backend. The future completes when that connection
     * is gone (or could not be made, or was given up: see {@link CancelWaitTimeout}). Any thread.
     */
    public Future<Void> sendCancelRequest(EventLoop loop, ServerConnection server, int processId, int secretKey) {
        return sendCancelRequest(loop, server, processId, secretKey, () -> { });
    }

    /** {@link #sendCancelRequest(EventLoop, ServerConnection, int, int)}, running {@code onConnected} once connected. */
    public Future<Void> sendCancelRequest(EventLoop loop, ServerConnection server, int processId, int secretKey,
                                          Runnable onConnected) {
        Channel serverChannel = server.channel();
        SocketAddress address = serverChannel != null && serverChannel.remoteAddress() != null
                ? serverChannel.remoteAddress() : server.target().address();
        String tlsHost = dialedHost(server);
        io.netty.util.concurrent.Promise<Void> done = loop.newPromise();
        ChannelFuture connect = connect(loop, address, new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                onConnected.run();
                writeCancelRequest(ctx.channel(), address, tlsHost, processId, secretKey);
            }
        });
        CancelWaitTimeout.giveUpAfter(loop, connect.channel(), config.get().config().settings().cancelWaitTimeout(),
                () -> log.warn("cancel request to {} given up: not done within cancel_wait_timeout", address));
        connect.addListener(f -> {
            if (f.isSuccess()) {
                connect.channel().closeFuture().addListener(closed -> done.trySuccess(null));
            } else {
                if (!(f.cause() instanceof ClosedChannelException)) { // else given up, and logged
                    log.warn("could not send cancel request to {}: {}", address, f.cause().getMessage());
                }
                done.trySuccess(null);
            }
        });
        return done;
    }

    /** The host name {@code server}'s channel was connected through; else the target's first host. */
    private static String dialedHost(ServerConnection server) {
        Channel ch = server.channel();
        String host = ch == null ? null : ch.attr(ServerDial.DIALED_HOST).get();
        if (host == null && server.target().address() instanceof InetSocketAddress inet) {
            host = inet.getHostString();
        }
        return host;
    }

    private void writeCancelRequest(Channel channel, SocketAddress address, String tlsHost, int processId, int secretKey) {
        Future<Void> tls = address instanceof InetSocketAddress inet
                ? ServerTlsNegotiator.negotiate(channel, config.get().tls().server(),
                        tlsHost != null ? tlsHost : inet.getHostString(), inet.getPort(),
                        config.get().config().settings().serverConnectTimeout().toMillis())
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

    /**
     * A plain connection to a peer of {@code [peers]}: its Unix socket, or its host (resolved through the DNS
     * cache) and port. Completes on {@code loop} with the connect's outcome. Any thread.
     */
    public Future<Channel> connectToPeer(EventLoop loop, io.pooler.config.PeerEntry peer, ChannelHandler handler) {
        io.netty.util.concurrent.Promise<Channel> connected = loop.newPromise();
        if (peer.isUnixSocket()) {
            connectInto(connected, loop, BackendTarget.unixSocket(peer.host(), peer.port()), handler);
            return connected;
        }
        dns.resolve(peer.host()).addListener(f -> {
            if (f.isSuccess()) {
                connectInto(connected, loop, new InetSocketAddress((java.net.InetAddress) f.getNow(), peer.port()), handler);
            } else {
                connected.tryFailure(f.cause());
            }
        });
        return connected;
    }

    private void connectInto(io.netty.util.concurrent.Promise<Channel> connected, EventLoop loop, SocketAddress address,
                             ChannelHandler handler) {
        ChannelFuture cf = connect(loop, address, handler);
        cf.addListener(f -> {
            if (f.isSuccess()) {
                connected.trySuccess(cf.channel());
            } else {
                connected.tryFailure(f.cause());
            }
        });
    }

    /** The DNS cache every host name of [databases] and [peers] goes through. */
    public DnsCache dns() {
        return dns;
    }

    /**
     * A cached name lost {@code gone} (PgBouncer's {@code tag_host_addr_dirty}): the servers of the
     * databases using that name and connected to that address close when released instead of being reused.
     * Runs on the DNS cache's loop: each pool shard is looked at on its own loop, never waited for.
     */
    private void addressGone(String host, java.net.InetAddress gone) {
        PoolerConfig running = config.get().config();
        for (Pool pool : pools.all()) {
            boolean usesHost = running.findDatabase(pool.key().database())
                    .map(db -> db.hosts().contains(host)).orElse(false);
            if (!usesHost) {
                continue;
            }
            for (io.pooler.pool.PoolShard shard : pool.shards()) {
                shard.loop().execute(() -> {
                    for (PooledServer s : shard.servers()) {
                        if (s instanceof ServerConnection server && server.channel() != null
                                && server.channel().remoteAddress() instanceof InetSocketAddress remote
                                && gone.equals(remote.getAddress())) {
                            server.markCloseNeeded();
                        }
                    }
                });
            }
        }
    }

    private Bootstrap bootstrap(EventLoop loop, SocketAddress address, Settings s) {
        boolean unix = address instanceof io.netty.channel.unix.DomainSocketAddress;
        Bootstrap b = new Bootstrap()
                .group(loop)
                .resolver(transport.serverAddressResolver())
                .channel(unix ? transport.domainChannel() : transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, Math.min(Integer.MAX_VALUE, s.serverConnectTimeout().toMillis())));
        transport.configureStream(b);
        return unix ? b : TcpTuning.tune(b, s, transport);
    }
}
