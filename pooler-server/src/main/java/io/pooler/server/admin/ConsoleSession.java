package io.pooler.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.pooler.Version;
import io.pooler.admin.AdminConsole;
import io.pooler.admin.wire.Response;
import io.pooler.admin.wire.ResponseEncoder;
import io.pooler.config.AuthType;
import io.pooler.config.Settings;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.SqlState;
import io.pooler.server.client.Console;
import io.pooler.server.net.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * One connection to the virtual database {@code pgbouncer}: who may log in, the welcome PgBouncer sends,
 * then one simple query at a time handed to the {@link AdminConsole}. Queries that arrive while one is
 * running (PAUSE waits) are answered in order.
 *
 * <p>Backpressure: while the client's socket is full, the next query waits and the client is not read,
 * until it drains ({@link #writable}). A console user who pipelines queries and never reads the answers
 * would otherwise have them queued in the pooler without bound (LocalAnswerBackpressureTest).
 *
 * <p>Threads: owned by the client channel's event loop; answers that complete elsewhere hop back onto it.
 */
public final class ConsoleSession implements Console {
    /** The console's database and, over the unix socket, the user that needs no password. */
    public static final String DATABASE = Console.DATABASE;
    private static final Logger log = LoggerFactory.getLogger(ConsoleSession.class);
    private static final AdminConsole CONSOLE = new AdminConsole();
    private static final int MAX_QUEUED = 64;
    /**
     * The longest console Query message, header included. PgBouncer refuses a console packet that does
     * not fit its packet buffer (pkt_buf, 4096 bytes by default) and closes the connection; Pooler keeps
     * that default as a fixed cap, so a console query holds at most 4090 bytes of text. No console
     * command needs more: the longest legal one is a SET with a 255-byte value.
     */
    public static final int MAX_QUERY_MESSAGE = 4096;

    private final ServerAdminBackend backend;
    private final Channel channel;
    private final String user;
    private final long connectedAtMillis = System.currentTimeMillis();
    private final Consumer<ErrorResponse> refuse;
    private final long id;
    private volatile long lastRequestMillis = connectedAtMillis;
    /** The client's startup application_name, for SHOW CLIENTS; set once, before login completes. */
    private volatile String applicationName = "";
    private boolean adminUser;
    private boolean running;
    private final ArrayDeque<String> queued = new ArrayDeque<>();

    /**
     * @param refuse sends a fatal error and closes the connection (the client connection's one way out)
     */
    public ConsoleSession(ServerAdminBackend backend, Channel channel, String user, long id,
                          Consumer<ErrorResponse> refuse) {
        this.backend = backend;
        this.channel = channel;
        this.user = user;
        this.id = id;
        this.refuse = refuse;
    }

    @Override
    public void applicationName(String applicationName) {
        this.applicationName = applicationName == null ? "" : applicationName;
    }

    public String applicationName() {
        return applicationName;
    }

    /**
     * PgBouncer's rule: over the unix socket, a peer running as the pooler's own OS user may log in as
     * {@code pgbouncer} without a password, with admin rights.
     */
    @Override
    public boolean trustedPeer() {
        if (!DATABASE.equals(user)) {
            return false;
        }
        try {
            return Transport.peerCredentials(channel).filter(peer -> peer.uid() == OwnUser.uid()).isPresent();
        } catch (java.io.IOException | RuntimeException e) {
            log.debug("no peer credentials on {}: {}", channel, e.toString());
            return false;
        }
    }

    /**
     * After authentication: admin_users get every command, stats_users the read-only ones; under
     * auth_type=any everyone else may read too, as in PgBouncer. Anyone else is refused.
     *
     * @return the refusal, or empty when the user is in
     */
    @Override
    public Optional<ErrorResponse> admit(Settings settings, boolean trustedPeer) {
        if (trustedPeer || settings.adminUsers().contains(user)) {
            adminUser = true;
        } else if (!settings.statsUsers().contains(user) && settings.authType() != AuthType.ANY) {
            return Optional.of(ErrorResponse.fatal(SqlState.INSUFFICIENT_PRIVILEGE, "not allowed"));
        }
        backend.state().consoles().add(this);
        return Optional.empty();
    }

    /** ParameterStatus as PgBouncer's console sends them, a BackendKeyData nothing answers to, ReadyForQuery. */
    @Override
    public void sendWelcome() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("server_version", Version.PGBOUNCER_COMPATIBLE + "/bouncer");
        params.put("client_encoding", "UTF8");
        params.put("server_encoding", "UTF8");
        params.put("DateStyle", "ISO");
        params.put("TimeZone", "GMT");
        params.put("standard_conforming_strings", "on");
        params.put("is_superuser", adminUser ? "on" : "off");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // PgBouncer's console gets the login notice too.
        channel.writeAndFlush(BackendMessages.welcome(channel.alloc(), params, Map.of(), random.nextInt(), random.nextInt(),
                io.pooler.server.client.LoginNotice.of(backend.config().settings())));
    }

    /** One message from the client; the frame is released here, once, and errors are answered here. */
    @Override
    public void onMessage(ByteBuf frame) {
        try {
            lastRequestMillis = System.currentTimeMillis();
            switch (PgFrames.type(frame)) {
                case MessageType.QUERY -> {
                    if (frame.readableBytes() > MAX_QUERY_MESSAGE) {
                        refuse.accept(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "admin console query too long: "
                                + frame.readableBytes() + " bytes, at most " + MAX_QUERY_MESSAGE));
                    } else {
                        onQuery(PgFrames.readCString(PgFrames.body(frame)));
                    }
                }
                case MessageType.PARSE, MessageType.BIND, MessageType.EXECUTE ->
                        refuse.accept(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                                "extended query protocol not supported by admin console"));
                default -> refuse.accept(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                        "unsupported packet type for admin console: " + (char) PgFrames.type(frame)));
            }
        } catch (io.pooler.protocol.ProtocolException e) {
            refuse.accept(ErrorResponse.fatal(e.sqlState(), e.getMessage()));
        } finally {
            frame.release();
        }
    }

    private void onQuery(String query) {
        if (running || !queued.isEmpty()) { // NOTE: not empty while not running: they wait for the socket
            if (queued.size() >= MAX_QUEUED) {
                refuse.accept(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "too many queued admin commands"));
                return;
            }
            queued.add(query);
            return;
        }
        run(query);
    }

    private void run(String query) {
        running = true;
        log.debug("admin command from {}: {}", user, query);
        backend.execute(CONSOLE, adminUser, query).whenComplete((response, failure) ->
                channel.eventLoop().execute(() -> answer(response, failure, query)));
    }

    private void answer(Response response, Throwable failure, String query) {
        running = false;
        if (failure != null) {
            log.warn("admin command failed: {}", query, failure);
            response = Response.error(SqlState.INTERNAL_ERROR, "command failed: " + failure);
        }
        if (response.error() != null) {
            logError(response.error().message());
        }
        if (!response.isNone() && channel.isActive()) {
            channel.writeAndFlush(ResponseEncoder.encode(channel.alloc(), response));
        }
        runQueued();
    }

    /** The next queued query runs, unless the client's socket is full: then it waits, and reading stops. */
    private void runQueued() {
        if (!channel.isWritable()) {
            channel.config().setAutoRead(false);
            return;
        }
        String next = queued.poll();
        if (next != null) {
            run(next);
        }
    }

    @Override
    public void writable() {
        if (!running) {
            runQueued();
        }
        if (channel.isWritable()) {
            channel.config().setAutoRead(true);
        }
    }

    /**
     * As PgBouncer's admin_error: the message at ERROR, then, with log_pooler_errors, the "pooler error"
     * warning its send_pooler_error writes with the connection's prefix.
     */
    private void logError(String message) {
        log.error("{}", message);
        if (backend.config().settings().logPoolerErrors()) {
            log.warn("{} pooler error: {}", this, message);
        }
    }

    /** The log prefix, as the client connection's: {@code C-7: pgbouncer/admin@127.0.0.1:50312}. */
    @Override
    public String toString() {
        java.net.SocketAddress remote = channel.remoteAddress();
        String from = remote instanceof java.net.InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() + ":" + inet.getPort() : "unix";
        return "C-" + id + ": " + DATABASE + "/" + user + "@" + from;
    }

    /** The connection closed. */
    @Override
    public void closed() {
        backend.state().consoles().remove(this);
        queued.clear();
    }

    public Channel channel() {
        return channel;
    }

    public String user() {
        return user;
    }

    public long id() {
        return id;
    }

    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    public long lastRequestMillis() {
        return lastRequestMillis;
    }

    /** KILL_CLIENT on a console connection. Any thread. */
    void kill(ErrorResponse error) {
        channel.eventLoop().execute(() -> refuse.accept(error));
    }
}
