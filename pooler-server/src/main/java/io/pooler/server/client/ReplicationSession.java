package io.pooler.server.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.pool.PoolShard;
import io.pooler.pool.PooledServer;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.SqlState;
import io.pooler.server.RuntimeConfig;
import io.pooler.server.backend.DedicatedServerOwner;
import io.pooler.server.backend.ServerConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A replication client (a startup with {@code replication=database} or a true {@code replication}, as
 * pg_receivewal, pg_basebackup, pg_recvlogical and a logical replication subscription send), as PgBouncer
 * 1.23+ serves it: once authenticated it gets a server connection of its own, opened with its own
 * {@code replication} value, tracked parameters and {@code options}, and kept until it leaves, when that
 * server is closed (never reset, never reused). Everything between the two is relayed as it comes
 * ({@link ByteRelay}): the replication commands, the COPY BOTH stream, base backups.
 *
 * <p>Counted as PgBouncer counts it: the server is one of the pool's (pool_size, max_db_connections,
 * max_user_connections; sv_login, then sv_active linked to the client, which is cl_active), and when the
 * pool is full an idle server of it is closed to make room. With no room the client waits, up to
 * query_wait_timeout. A login PostgreSQL refuses (no REPLICATION role, no replication line in pg_hba.conf)
 * is relayed to this client alone; the pool's other clients never see it.
 *
 * <p>Threads: the client's event loop, which is its server's too.
 */
final class ReplicationSession implements DedicatedServerOwner {
    private static final Logger log = LoggerFactory.getLogger(ReplicationSession.class);
    /** How often a client waiting for room in the pool tries again. */
    private static final long RETRY_MILLIS = 100;
    /** How often a linked server is checked for RECONNECT's close-needed mark (PgBouncer's janitor: 1/3 s). */
    private static final long CLOSE_NEEDED_CHECK_MILLIS = 333;

    private final Supplier<RuntimeConfig> config;
    private final CancelRegistry cancelRegistry;
    private final ClientConnection client;
    private final StartupRequest startup;
    private final Channel channel;
    private final long startedNanos = System.nanoTime();
    /** The server being opened for the client, until it is linked; then the client's own link says it. */
    private ServerConnection pending;
    private ScheduledFuture<?> retry;
    /** Closes the linked server when the pool marks it close-needed; while linked. */
    private ScheduledFuture<?> watch;

    private ReplicationSession(Supplier<RuntimeConfig> config, CancelRegistry cancelRegistry, ClientConnection client,
                               StartupRequest startup) {
        this.config = config;
        this.cancelRegistry = cancelRegistry;
        this.client = client;
        this.startup = startup;
        this.channel = client.channel();
    }

    /**
     * The client is authenticated and holds its client-limit slots: instead of joining the pool's clients,
     * it waits for a server of its own. Nothing it sends before its welcome is relayed (it has no server yet
     * and must wait for ReadyForQuery): it is refused as a protocol violation.
     */
    static void start(Supplier<RuntimeConfig> config, CancelRegistry cancelRegistry, ClientConnection client,
                      StartupRequest startup) {
        ReplicationSession session = new ReplicationSession(config, cancelRegistry, client, startup);
        session.holdMessagesUntilWelcome();
        client.channel().closeFuture().addListener(f -> session.clientClosed());
        session.launch();
    }

    /** Whether {@code startup} asks for a replication connection. */
    static boolean wanted(StartupRequest startup) {
        return startup.replication() != null;
    }

    private void holdMessagesUntilWelcome() {
        ChannelPipeline p = channel.pipeline();
        ChannelHandlerContext handler = p.context(ClientHandler.class);
        ((ClientHandler) handler.handler()).passDecodedOn();
        p.addAfter(handler.name(), EarlyMessages.NAME, new EarlyMessages());
    }

    private void launch() {
        retry = null;
        if (client.isClosedOrRejecting()) {
            return;
        }
        PoolShard shard = client.pool().shard(channel.eventLoop());
        PooledServer server = shard.launchDedicated(client);
        if (server instanceof ServerConnection s) {
            pending = s;
            s.dedicateTo(this); // NOTE: before its connect, which launchDedicated posted to this loop
            return;
        }
        Duration wait = client.pool().settings().queryWaitTimeout();
        if (!wait.isZero() && System.nanoTime() - startedNanos > wait.toNanos()) {
            client.fail(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "query_wait_timeout"));
            return;
        }
        retry = channel.eventLoop().schedule(this::launch, RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }

    // ---- the server's side (DedicatedServerOwner) ----

    /**
     * PgBouncer's send_startup_message for a replication server: the database entry's parameters, the
     * client's tracked parameters (physical replication connections take no SET), {@code replication} and
     * the client's {@code options} as it sent them.
     */
    @Override
    public Map<String, String> startupParameters(Map<String, String> poolParameters) {
        Map<String, String> params = new LinkedHashMap<>(poolParameters);
        params.putAll(startup.parameters());
        params.put("replication", startup.replication().mode().startupValue());
        if (startup.replication().options() != null) {
            params.put("options", startup.replication().options());
        }
        return params;
    }

    @Override
    public void serverLoggedIn(ServerConnection server) {
        pending = null;
        if (client.isClosedOrRejecting()) {
            server.close("replication client disconnected");
            return;
        }
        server.pool().shard(server.eventLoop()).dedicatedServerReady(client, server, Map.copyOf(server.parameters()));
        sendWelcome(server);
        relayBytes(server);
        client.replicationReady();
        watchForCloseNeeded(server);
    }

    /**
     * RECONNECT, a reload that changes the database, a DNS change: the pool marks its servers close-needed
     * and closes them when they are released, which this one never is. As PgBouncer's janitor does for
     * replication servers, it is closed at once (its client with it).
     */
    private void watchForCloseNeeded(ServerConnection server) {
        watch = channel.eventLoop().scheduleAtFixedRate(() -> {
            if (server.closeNeeded()) {
                server.close("database configuration changed");
                watch.cancel(false);
            }
        }, CLOSE_NEEDED_CHECK_MILLIS, CLOSE_NEEDED_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void serverLoginFailed(ServerConnection server, ErrorResponse error) {
        pending = null;
        server.pool().serverClosed(server);
        // PostgreSQL's own refusal, as a direct connection would have it (FATAL and its SQLSTATE).
        client.fail(error);
    }

    @Override
    public String replicationLabel() {
        return startup.replication().mode().label();
    }

    // ---- the client's side ----

    /** The server's parameters (its own: the client's values are in its StartupMessage), the client's cancel key. */
    private void sendWelcome(ServerConnection server) {
        if (config.get().config().settings().logConnections()) {
            log.info("{} login attempt: db={} user={} tls={} replication={}", client, startup.database(),
                    startup.user(), client.tls(), startup.replication().mode().startupValue());
        }
        cancelRegistry.register(client);
        channel.writeAndFlush(BackendMessages.welcome(channel.alloc(), server.parameters(), Map.of(),
                client.cancelProcessId(), client.cancelSecretKey(), null));
        client.pool().stats().clientLoggedIn();
    }

    /**
     * From here on bytes go through as they are, both ways: the server's frame decoder leaves its pipeline,
     * the client's handler (its decoder too) passes bytes on as they came; what they still held goes on,
     * in order, through the relays.
     */
    private void relayBytes(ServerConnection server) {
        Channel serverChannel = server.channel();
        ChannelPipeline sp = serverChannel.pipeline();
        sp.addAfter(sp.context(PgFrameDecoder.class).name(), "replication-relay",
                new ByteRelay(channel, false, server.pool().stats()::sent));
        ChannelPipeline cp = channel.pipeline();
        cp.addAfter(EarlyMessages.NAME, "replication-relay",
                new ByteRelay(serverChannel, true, server.pool().stats()::received));
        cp.remove(EarlyMessages.NAME);
        ChannelHandlerContext clientHandler = cp.context(ClientHandler.class);
        ((ClientHandler) clientHandler.handler()).passBytesOn(clientHandler); // the client's decoder is its handler
        sp.remove(PgFrameDecoder.class);
        serverChannel.config().setAutoRead(true);
        channel.config().setAutoRead(true);
    }

    /** The client left before its server was linked: that server is closed (once linked, ClientConnection does it). */
    private void clientClosed() {
        if (retry != null) {
            retry.cancel(false);
        }
        if (watch != null) {
            watch.cancel(false);
        }
        if (pending != null) {
            pending.close("replication client disconnected");
            pending = null;
        }
    }

    /**
     * Between the password exchange and the welcome a client has nothing to say: what it sends then would
     * have no server to go to. It is refused, as PostgreSQL refuses a message out of place.
     */
    private final class EarlyMessages extends ChannelInboundHandlerAdapter {
        static final String NAME = "replication-early-messages";

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            client.fail(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                    "unexpected message before the end of the replication connection's login"));
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // nothing was relayed
        }
    }
}
