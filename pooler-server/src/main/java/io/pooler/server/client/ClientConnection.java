package io.pooler.server.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.auth.Secret;
import io.pooler.config.AuthType;
import io.pooler.config.DatabaseEntry;
import io.pooler.config.PoolMode;
import io.pooler.config.Settings;
import io.pooler.pool.Pool;
import io.pooler.pool.PooledClient;
import io.pooler.pool.PooledServer;
import io.pooler.protocol.BackendMessages;
import io.netty.util.ReferenceCountUtil;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.FramePart;
import io.pooler.protocol.FrontendMessageCheck;
import io.pooler.protocol.prepared.PendingRequest;
import io.pooler.protocol.prepared.StatementRewriter;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.ParameterMaps;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import io.pooler.protocol.StartupPacket;
import io.pooler.protocol.TrackedParameters;
import io.pooler.server.PoolerRuntime;
import io.pooler.server.RuntimeConfig;
import io.pooler.server.admin.ConsoleSession;
import io.pooler.server.backend.AuthQueryClient;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.net.OutboundBatch;
import io.pooler.stats.ErrorKind;
import io.pooler.stats.QueryTimer;
import io.pooler.server.tls.CertificateLogin;
import io.pooler.server.tls.ClientTls;
import io.pooler.server.tls.TlsChannels;
import io.pooler.server.listen.ClientNotifications;
import io.pooler.sql.ListenCommand;
import io.pooler.sql.SessionPin;
import io.pooler.sql.SessionStateScanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * One client connection: its startup and login, then relaying its messages to the server it is
 * linked to, asking the pool for one whenever it has none.
 *
 * <p>Phases: STARTUP (SSLRequest, StartupMessage or CancelRequest) → AUTH (password exchange) →
 * LOGIN (waiting for the pool's first server, for the parameters to report) → READY → CLOSED.
 *
 * <p>Threads: owned by its channel's event loop. Calls from a server on another loop
 * ({@link #serverReady}, {@link #serverLost}) hop onto it; {@link #serverReportedParameter} only
 * touches the concurrent map of wanted parameter values.
 *
 * <p>Transaction mode: the client counts the requests it sent that PostgreSQL answers with
 * ReadyForQuery (Query, Sync, FunctionCall); its server counts the ReadyForQuery messages it
 * relayed. When they are equal and the server says idle, nothing is outstanding and the server goes
 * back to the pool. The decision is taken on the client's loop, the only place new requests come
 * from, so a request can never slip in between.
 */
public final class ClientConnection extends PooledClient {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
    private static final AtomicLong IDS = new AtomicLong();
    /** The most a console connection's decoder buffers of one message; ConsoleSession's cap is lower. */
    private static final int CONSOLE_MAX_BUFFERED = 64 * 1024;
    /** How long a refused client may go on sending before the connection is closed under it. */
    private static final long ERROR_LINGER_MILLIS = 2000;

    private enum Phase { STARTUP, AUTH, LOGIN, READY, CLOSED }

    private final long id = IDS.incrementAndGet();
    private final PoolerRuntime runtime;
    private final Channel channel;
    private final PgFrameDecoder decoder;
    private Phase phase = Phase.STARTUP;
    private ScheduledFuture<?> loginTimer;

    private StartupRequest startup;
    private String poolDatabase;
    private Pool pool;
    private PoolMode poolMode;
    private ClientAuthenticator authenticator;
    private TrackedParameters tracked;
    /**
     * Parameter values this client should see on whatever server it uses: an interned immutable map,
     * shared with every client that wants the same values, replaced (copy on write) when one changes.
     */
    private volatile Map<String, String> wantedParameters = Map.of();
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<ClientConnection, Map> WANTED =
            AtomicReferenceFieldUpdater.newUpdater(ClientConnection.class, Map.class, "wantedParameters");
    private volatile boolean parametersDirty;
    private int cancelProcessId;
    private int cancelSecretKey;

    /**
     * Messages (whole frames or {@link FramePart}s) waiting for a server; this queue owns them. Starts
     * with room for one and grows on use: an idle client should cost little.
     */
    private final ArrayDeque<Object> pendingMessages = new ArrayDeque<>(1);
    private final OutboundBatch toServer = new OutboundBatch();
    private boolean waitingForServer;
    private volatile long lastActivityNanos = System.nanoTime();
    private final long connectedNanos = System.nanoTime();
    /** Why the connection ends, for log_disconnections; the client's own doing unless set. */
    private String closeReason = "client close request";
    private io.pooler.pool.ConnectionCounter heldDatabaseSlot;
    private io.pooler.pool.ConnectionCounter heldUserSlot;
    private boolean unsyncedExtended;
    /**
     * Session state this client left on its server in transaction or statement pooling, as
     * {@link SessionPin} bits; while non-zero the link stays across transactions. Client's loop.
     */
    private int sessionPins;
    /** pin_on_session_state for this client's pool, in transaction and statement mode only. */
    private boolean watchSessionState;
    /** listen_multiplex for this client's pool, in transaction and statement mode only. */
    private boolean listenMultiplex;
    /** Its subscriptions through the pool's listener; null until its first LISTEN. Client's loop. */
    private ClientNotifications notifications;
    /** A LISTEN waits for the listener: later messages wait in {@link #heldWhileListening}, reading stops. */
    private boolean awaitingListen;
    private ArrayDeque<Object> heldWhileListening;
    /**
     * A streamed message has been relayed in part: its server must not go to anyone else before the
     * rest has reached it, whatever the server answered meanwhile.
     */
    private boolean midMessage;
    /** Named prepared statements, in transaction and statement pooling; null when not tracked. */
    private io.pooler.protocol.prepared.StatementRewriter statementRewriter;
    /** Since the last Sync, only messages the pooler answered itself: the Sync is answered too. */
    private boolean answeredLocallySinceSync;
    private boolean serverHandled;
    /** An error was sent and the connection is closing: nothing more is read. */
    private boolean rejecting;

    // ---- admin console and stats (read from other threads by SHOW CLIENTS) ----
    /** Set when the client asked for the admin console's database; then there is no pool. */
    private ConsoleSession console;
    private volatile QueryTimer queryTimer;
    private final long connectedAtMillis = System.currentTimeMillis();
    private volatile long lastRequestMillis = connectedAtMillis;
    /** Bytes received in the current read burst, added to the pool's stats at its end. */
    private long burstBytes;

    public ClientConnection(PoolerRuntime runtime, Channel channel, PgFrameDecoder decoder) {
        this.runtime = runtime;
        this.channel = channel;
        this.decoder = decoder;
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public Channel channel() {
        return channel;
    }

    int cancelProcessId() {
        return cancelProcessId;
    }

    int cancelSecretKey() {
        return cancelSecretKey;
    }

    void setCancelKey(int processId, int secretKey) {
        this.cancelProcessId = processId;
        this.cancelSecretKey = secretKey;
    }

    /** PgBouncer's log prefix shape, {@code C-17: shop/alice@10.0.0.5:51234}, so log filters carry over. */
    @Override
    public String toString() {
        String who = startup == null ? "(nodb)/(nouser)" : startup.database() + "/" + startup.user();
        return "C-" + id + ": " + who + "@" + describe(channel.remoteAddress());
    }

    // ---- connection events (called by ClientHandler on this loop) ----

    void onActive() {
        runtime.clientCount().incrementAndGet();
        // NOTE: the close future always completes, even when an exception in the pipeline kept
        // channelInactive from reaching us: the client's slots are given back in any case.
        channel.closeFuture().addListener(f -> onInactive());
        long timeout = runtime.config().config().settings().clientLoginTimeout().toMillis();
        if (timeout > 0) {
            loginTimer = eventLoop().schedule(() -> {
                if (phase.ordinal() < Phase.READY.ordinal()) {
                    fatal(SqlState.PROTOCOL_VIOLATION, "client_login_timeout");
                }
            }, timeout, TimeUnit.MILLISECONDS);
        }
    }

    void onStartupPacket(StartupPacket packet) {
        if (rejecting) {
            return; // e.g. a StartupMessage queued behind a refused SSLRequest
        }
        switch (packet.kind()) {
            case SSL_REQUEST -> onSslRequest();
            case GSSENC_REQUEST -> channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
            case CANCEL_REQUEST -> {
                CancelForwarder.forward(runtime, packet.cancelProcessId(), packet.cancelSecretKey());
                closeReason = "cancel request";
                closeQuietly();
            }
            case STARTUP -> onStartupMessage(packet);
        }
    }

    /**
     * One decoded message: a whole frame, or a part of a streamed one. This connection owns it from here
     * on and ends it exactly once (relays, queues or releases it); a protocol error it raises is answered
     * here, while the message is still owned and unchanged.
     */
    void onMessage(Object msg) {
        if (rejecting || phase == Phase.STARTUP || phase == Phase.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (phase == Phase.AUTH) {
            onAuthMessage((ByteBuf) msg); // nothing is streamed during authentication
            return;
        }
        try {
            if (startsMessage(msg)) {
                FrontendMessageCheck.checkAfterLogin(typeOf(msg));
            }
            if (statementRewriter != null && msg instanceof ByteBuf frame) {
                StatementRewriter.check(frame); // refused here, before it asks for a server
            }
        } catch (ProtocolException e) {
            ReferenceCountUtil.release(msg);
            onProtocolError(e);
            return;
        }
        if (phase == Phase.LOGIN) {
            // Waiting for the pool's first server: queue, and read no more until the welcome is sent.
            pendingMessages.add(msg);
            channel.config().setAutoRead(false);
        } else {
            onQueryMessage(msg);
        }
    }

    void onReadComplete() {
        lastActivityNanos = System.nanoTime();
        toServer.flush();
        if (burstBytes > 0) {
            pool.stats().received(burstBytes);
            burstBytes = 0;
            lastRequestMillis = System.currentTimeMillis();
        }
        if (server() instanceof ServerConnection server && !server.channel().isWritable()) {
            // Backpressure: a slow server stops us reading this client until it drains.
            channel.config().setAutoRead(false);
        }
    }

    /** The linked server's socket can take more again; any thread. */
    public void serverWritable() {
        runOnLoop(() -> {
            if (!waitingForServer && !rejecting && phase == Phase.READY) {
                channel.config().setAutoRead(true);
            }
        });
    }

    /** When this client last sent anything. */
    public long lastActivityNanos() {
        return lastActivityNanos;
    }

    /** A timeout on the server side ends this client's session with {@code reason}. Any thread. */
    public void failFromServer(String reason) {
        runOnLoop(() -> fatal(SqlState.PROTOCOL_VIOLATION, reason));
    }

    /** client_idle_timeout: closes the client if it is still idle. Any thread. */
    public void closeIfIdle(long idleSinceLimitNanos, String reason) {
        runOnLoop(() -> {
            PooledServer s = server();
            boolean busy = s instanceof ServerConnection server && (server.outstandingRequests() > 0
                    || server.transactionStatus() != BackendMessages.TX_IDLE);
            if (phase == Phase.READY && !busy && lastActivityNanos < idleSinceLimitNanos) {
                fatal(SqlState.PROTOCOL_VIOLATION, reason);
            }
        });
    }

    void onWritabilityChanged() {
        PooledServer s = server();
        if (channel.isWritable() && s instanceof ServerConnection server) {
            server.resumeReading();
        }
    }

    void onProtocolError(ProtocolException e) {
        log.info("{} protocol error: {}", this, e.getMessage());
        fatal(e.sqlState(), e.getMessage());
    }

    void onInactive() {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        runtime.clientCount().decrementAndGet();
        if (loginTimer != null) {
            loginTimer.cancel(false);
        }
        runtime.cancelRegistry().unregister(this);
        if (heldDatabaseSlot != null) {
            heldDatabaseSlot.release();
        }
        if (heldUserSlot != null) {
            heldUserSlot.release();
        }
        pendingMessages.forEach(ReferenceCountUtil::release);
        pendingMessages.clear();
        if (heldWhileListening != null) {
            heldWhileListening.forEach(ReferenceCountUtil::release);
            heldWhileListening.clear();
        }
        if (notifications != null) {
            notifications.close();
        }
        toServer.discard();
        if (console != null) {
            console.closed();
        }
        if (pool != null) {
            pool.clientClosed(this);
            giveBackServerOnClose();
        }
        if (runtime.config().config().settings().logDisconnections()) {
            log.info("{} closing because: {} (age={}s)", this, closeReason,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - connectedNanos));
        }
    }

    /** Shutdown WAIT_FOR_SERVERS was requested: leave now unless a transaction is running. */
    void shutdownRequested() {
        PooledServer s = server();
        if (s == null) {
            fatal(SqlState.ADMIN_SHUTDOWN, "pooler is shutting down");
        } else if (s instanceof ServerConnection server) {
            onServerReady(server);
        }
    }

    // ---- startup and login ----

    private void onStartupMessage(StartupPacket packet) {
        RuntimeConfig rc = runtime.config();
        Settings settings = rc.config().settings();
        tracked = rc.trackedParameters();
        startup = StartupRequest.from(packet, tracked, settings.ignoreStartupParameters(), runtime.parameterMaps());
        if (rc.tls().client().requiresTls(channel) && !TlsChannels.hasTls(channel)) {
            fatal(SqlState.PROTOCOL_VIOLATION, "SSL required");
            return;
        }
        PoolerRuntime.ShutdownMode shutdown = runtime.shutdownMode();
        // WAIT_FOR_CLIENTS (SIGTERM) closed the listeners but serves whoever got in before, logins
        // under way included: a rolling restart with so_reuseport then turns nobody away.
        if (shutdown != PoolerRuntime.ShutdownMode.NONE && shutdown != PoolerRuntime.ShutdownMode.WAIT_FOR_CLIENTS) {
            fatal(SqlState.ADMIN_SHUTDOWN, "pooler is shutting down");
            return;
        }
        if (runtime.clientCount().get() > settings.maxClientConn()) {
            fatal(SqlState.TOO_MANY_CONNECTIONS, "no more connections allowed (max_client_conn)");
            return;
        }
        if (ConsoleSession.DATABASE.equals(startup.database())) {
            startConsole(rc, settings);
            return;
        }
        Optional<DatabaseEntry> db = rc.config().findDatabase(startup.database());
        if (db.isEmpty()) {
            fatal(SqlState.INVALID_CATALOG_NAME, "no such database: " + startup.database());
            return;
        }
        if (runtime.admin().isDisabled(startup.database())) {
            fatal(SqlState.INVALID_CATALOG_NAME, "database \"" + startup.database() + "\" is disabled");
            return;
        }
        poolDatabase = startup.database();
        String serverUser = db.get().user().orElse(startup.user());
        pool = runtime.pool(db.get(), poolDatabase, serverUser);
        poolMode = pool.settings().poolMode();
        watchSessionState = poolMode != PoolMode.SESSION && pool.settings().pinOnSessionState();
        listenMultiplex = poolMode != PoolMode.SESSION && pool.settings().listenMultiplex();
        if (poolMode != PoolMode.SESSION && settings.maxPreparedStatements() > 0) {
            statementRewriter = new io.pooler.protocol.prepared.StatementRewriter(
                    runtime.statementRegistry(), settings.maxPreparedStatements(), pool.stats());
        }
        queryTimer = new QueryTimer(pool.stats());
        beginAuthentication(rc, settings, db.get());
    }

    /**
     * Who may connect (auth_type hba), where the user's secret comes from (auth_file, else
     * auth_query when the database entry or the global settings name an auth_user), then the
     * password exchange. {@code db} is null for the admin console, which has no auth_query.
     */
    private void beginAuthentication(RuntimeConfig rc, Settings settings, DatabaseEntry db) {
        // Password messages up to PostgreSQL's own bound (long generated passwords); anything else small.
        decoder.setLimits(FrontendMessageCheck.MAX_PASSWORD_MESSAGE, FrontendMessageCheck.MAX_PASSWORD_MESSAGE,
                PgFrameDecoder.StreamPolicy.NONE, FrontendMessageCheck::maxAuthLength);
        AuthType authType = settings.authType();
        if (authType == AuthType.HBA && (authType = hbaAuthType(rc)) == null) {
            return; // refused, or logged in by peer or certificate
        }
        Optional<Secret> secret = rc.userlist() == null ? Optional.empty() : rc.userlist().find(startup.user());
        if (authType == AuthType.CERT) {
            loginWithCertificate(secret.isPresent());
            return;
        }
        if (secret.isEmpty() && authType != AuthType.ANY && db != null && startAuthQuery(rc, db, authType)) {
            return; // continues in authQueryDone
        }
        beginAuthentication(authType, secret);
    }

    /** The password exchange (or none, under trust and any) with the secret the user has, if any. */
    private void beginAuthentication(AuthType authType, Optional<Secret> secret) {
        Settings settings = runtime.config().config().settings();
        authenticator = new ClientAuthenticator(authType, startup.user(), secret, runtime.passThrough(),
                runtime.processSecret(), settings.scramIterations());
        offerChannelBinding();
        if (authenticator.isImmediate()) {
            if (authenticator.trustAllowed(authType)) {
                loginSucceeded(null);
            } else {
                fail(ClientAuthenticator.authenticationFailed(startup.user()));
            }
            return;
        }
        phase = Phase.AUTH;
        channel.writeAndFlush(authenticator.begin(channel.alloc()));
    }

    // ---- who may connect: auth_hba_file and auth_query ----

    /**
     * auth_type = hba: the matching rule's method as an auth_type, or null when the client was refused
     * or has been dealt with here (peer, cert).
     */
    private AuthType hbaAuthType(RuntimeConfig rc) {
        HbaGate.Decision decision = HbaGate.decide(rc.hba(), channel.remoteAddress(), TlsChannels.hasTls(channel),
                startup.database(), startup.user());
        if (decision.refusal() != null) {
            fail(decision.refusal());
            return null;
        }
        log.debug("{} hba rule {}", this, decision.rule().orElseThrow());
        switch (decision.method()) {
            case TRUST:
                return AuthType.TRUST;
            case MD5:
                return AuthType.MD5;
            case PASSWORD:
                return AuthType.PLAIN;
            case SCRAM_SHA_256:
                return AuthType.SCRAM_SHA_256;
            case PEER:
                loginAsPeer();
                return null;
            case CERT:
                loginWithCertificate(rc.userlist() != null && rc.userlist().find(startup.user()).isPresent());
                return null;
            default:
                throw new IllegalStateException("HbaGate refuses " + decision.method());
        }
    }

    /** peer: the Unix user at the other end of the socket must be the user asked for, as in PostgreSQL. */
    private void loginAsPeer() {
        Optional<String> peer = PeerUser.of(channel);
        if (peer.isPresent() && peer.get().equals(startup.user())) {
            loginSucceeded(null);
        } else {
            log.info("{} peer authentication failed: peer is {}", this, peer.orElse("unknown"));
            fatal(SqlState.INVALID_AUTHORIZATION, "Peer authentication failed for user \"" + startup.user() + "\"");
        }
    }

    /**
     * auth_user is set for this database and the user is not in auth_file: look the user up with
     * auth_query through the auth_user's pool; the login goes on in {@link #authQueryDone}. Reading
     * stops meanwhile: the client has nothing to say until it is asked for a password.
     */
    private boolean startAuthQuery(RuntimeConfig rc, DatabaseEntry db, AuthType authType) {
        Settings settings = rc.config().settings();
        Optional<String> authUser = db.authUser().or(settings::authUser);
        if (authUser.isEmpty()) {
            return false;
        }
        String authDbName = db.authDbname().or(settings::authDbname).orElse(poolDatabase);
        Optional<DatabaseEntry> authDb = authDbName.equals(poolDatabase) ? Optional.of(db) : rc.config().findDatabase(authDbName);
        if (authDb.isEmpty()) {
            log.warn("{} auth_dbname \"{}\" is not in [databases]", this, authDbName);
            fatal(SqlState.INVALID_AUTHORIZATION, "auth query failed");
            return true;
        }
        Pool authPool = runtime.pool(authDb.get(), authDbName, authUser.get());
        String query = db.authQuery().orElse(settings.authQuery());
        long timeout = settings.clientLoginTimeout().isZero() ? TimeUnit.MINUTES.toMillis(1) : settings.clientLoginTimeout().toMillis();
        channel.config().setAutoRead(false);
        AuthQueryClient.lookup(authPool, query, startup.user(), eventLoop(),
                Duration.ofMillis(timeout), result -> runOnLoop(() -> authQueryDone(authType, result)));
        return true;
    }

    private void authQueryDone(AuthType authType, AuthQueryClient.Result result) {
        if (phase == Phase.CLOSED || rejecting) {
            return;
        }
        channel.config().setAutoRead(true);
        if (result instanceof AuthQueryClient.Failed failed) {
            log.warn("{} auth_query lookup failed: {}", this, failed.reason());
            fatal(SqlState.INVALID_AUTHORIZATION, "auth query failed");
            return;
        }
        Optional<Secret> secret = ((AuthQueryClient.Found) result).secret();
        // An unknown user goes through the same exchange as a known one (ClientAuthenticator's mock).
        secret.ifPresent(s -> runtime.passThrough().rememberQueriedSecret(poolDatabase, startup.user(), s));
        beginAuthentication(authType, secret);
    }

    // ---- TLS (client_tls_sslmode) ----

    /**
     * SSLRequest: 'S' and a TLS handshake when client TLS is on (TCP only), else 'N'. A second SSLRequest
     * inside TLS closes the connection, as PgBouncer does; bytes sent behind the request are refused, or
     * they would be taken as having come through TLS (CVE-2021-23214).
     */
    private void onSslRequest() {
        ClientTls tls = runtime.config().tls().client();
        if (TlsChannels.hasTls(channel)) {
            closeReason = "SSL req inside SSL";
            closeQuietly();
        } else if (!tls.acceptsSslRequest(channel)) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
        } else if (decoder.hasBufferedInput()) {
            fatal(SqlState.PROTOCOL_VIOLATION, "received unencrypted data after SSL request");
        } else {
            tls.startTls(channel, runtime.config().config().settings().clientLoginTimeout().toMillis())
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            closeReason = "TLS handshake failed: " + TlsChannels.describeFailure(f.cause());
                        }
                    });
        }
    }

    /** Over TLS with a certificate that has a tls-server-end-point hash, SCRAM-SHA-256-PLUS is offered. */
    private void offerChannelBinding() {
        ClientTls.tlsServerEndPoint(channel).ifPresent(authenticator::offerChannelBinding);
    }

    /**
     * auth_type = cert: the client certificate, verified during the handshake, must name the user in its
     * CommonName, and the user must be in the auth file, as in PgBouncer.
     */
    private void loginWithCertificate(boolean userKnown) {
        Optional<String> refusal = CertificateLogin.refusal(TlsChannels.session(channel), startup.user());
        if (refusal.isEmpty() && userKnown) {
            loginSucceeded(null);
            return;
        }
        log.info("{} certificate login refused: {}", this, refusal.orElse("user not in auth_file"));
        fatal(SqlState.INVALID_AUTHORIZATION, "certificate authentication failed");
    }

    /** The TLS version and cipher suite of this client's connection, or "no" (SHOW CLIENTS' tls column). */
    public String tls() {
        return TlsChannels.describe(channel);
    }

    /** A password, SASL or GSS message during authentication; released here, once, on every path. */
    private void onAuthMessage(ByteBuf frame) {
        ClientAuthenticator.Outcome outcome;
        try {
            outcome = authenticator.handle(channel.alloc(), frame);
        } catch (ProtocolException e) {
            onProtocolError(e);
            return;
        } finally {
            frame.release();
        }
        if (outcome instanceof ClientAuthenticator.Reply reply) {
            channel.writeAndFlush(reply.message());
        } else if (outcome instanceof ClientAuthenticator.Success success) {
            loginSucceeded(success.finalMessage());
        } else if (outcome instanceof ClientAuthenticator.Failure failure) {
            fail(failure.error());
        }
    }

    private void loginSucceeded(ByteBuf finalMessage) {
        if (finalMessage != null) {
            channel.write(finalMessage);
        }
        channel.writeAndFlush(io.pooler.protocol.Authentication.ok(channel.alloc()));
        authenticator = null; // its SCRAM state is not needed again: an idle client should cost little
        phase = Phase.LOGIN;
        Settings settings = runtime.config().config().settings();
        if (console != null) {
            // Console queries are read whole; ConsoleSession refuses those over its own cap, and the
            // decoder bounds what is buffered before that answer.
            decoder.setMaxMessageLength(Math.min(settings.maxPacketSize(), CONSOLE_MAX_BUFFERED));
        } else {
            decoder.setLimits(settings.maxPacketSize(), settings.maxParsedMessageSize(), streamPolicy(),
                    FrontendMessageCheck::maxLength);
        }
        if (console != null) {
            consoleLoggedIn(); // the console is not a database: no client limits of databases apply
            return;
        }
        if (!takeClientLimitSlots()) {
            return;
        }
        pool.clientLogin(this);
    }

    /**
     * What may be streamed through unparsed: everything, except the messages the prepared-statement
     * rewriter must read whole when it is on.
     */
    private PgFrameDecoder.StreamPolicy streamPolicy() {
        if (statementRewriter == null) {
            return type -> true;
        }
        return type -> type != MessageType.PARSE && type != MessageType.BIND
                && type != MessageType.DESCRIBE && type != MessageType.CLOSE;
    }

    /** max_db_client_connections and max_user_client_connections, checked once the client is known. */
    private boolean takeClientLimitSlots() {
        RuntimeConfig rc = runtime.config();
        Settings s = rc.config().settings();
        int dbLimit = rc.config().findDatabase(poolDatabase).flatMap(d -> d.maxDbClientConnections().isPresent()
                ? Optional.of(d.maxDbClientConnections().getAsInt()) : Optional.empty()).orElse(s.maxDbClientConnections());
        io.pooler.config.UserEntry userEntry = rc.config().users().get(startup.user());
        int userLimit = userEntry != null && userEntry.maxUserClientConnections().isPresent()
                ? userEntry.maxUserClientConnections().getAsInt() : s.maxUserClientConnections();
        io.pooler.pool.ConnectionCounter db = runtime.limits().clientsOfDatabase(poolDatabase);
        if (!db.tryAcquire(dbLimit)) {
            fatal(SqlState.TOO_MANY_CONNECTIONS, "no more connections allowed (max_db_client_connections)");
            return false;
        }
        heldDatabaseSlot = db;
        io.pooler.pool.ConnectionCounter user = runtime.limits().clientsOfUser(startup.user());
        if (!user.tryAcquire(userLimit)) {
            fatal(SqlState.TOO_MANY_CONNECTIONS, "no more connections allowed (max_user_client_connections)");
            return false;
        }
        heldUserSlot = user;
        return true;
    }

    @Override
    protected void onWelcomeReady() {
        runOnLoop(this::sendWelcome);
    }

    /** ParameterStatus (the pool's values, overridden by the client's own), BackendKeyData, ReadyForQuery. */
    private void sendWelcome() {
        if (phase != Phase.LOGIN) {
            return;
        }
        Map<String, String> serverValues = pool.welcomeParameters();
        Settings settings = runtime.config().config().settings();
        Map<String, String> wanted = new HashMap<>();
        for (String name : tracked.names()) {
            String value = startupValue(name, serverValues);
            if (value != null) {
                wanted.put(name, value);
            }
        }
        wantedParameters = runtime.parameterMaps().intern(wanted);
        if (settings.logConnections()) {
            log.info("{} login attempt: db={} user={} tls={}", this, startup.database(), startup.user(), tls());
        }
        serverValues.forEach((name, value) ->
                channel.write(BackendMessages.parameterStatus(channel.alloc(), name, wantedParameters.getOrDefault(name, value))));
        runtime.cancelRegistry().register(this);
        channel.write(BackendMessages.backendKeyData(channel.alloc(), cancelProcessId, cancelSecretKey));
        channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), BackendMessages.TX_IDLE));
        if (loginTimer != null) {
            loginTimer.cancel(false);
            loginTimer = null;
        }
        phase = Phase.READY;
        pool.stats().clientLoggedIn();
        log.debug("{} login done", this);
        channel.config().setAutoRead(true);
        if (!pendingMessages.isEmpty()) {
            requestServer();
        }
    }

    /**
     * What the client asked for at startup, else the server's value; with application_name_add_host,
     * application_name gets the client's address added, as PgBouncer does.
     */
    private String startupValue(String name, Map<String, String> serverValues) {
        String value = startup.parameters().getOrDefault(name, serverValues == null ? null : serverValues.get(name));
        if (name.equals("application_name") && runtime.config().config().settings().applicationNameAddHost()) {
            value = (value == null ? "" : value) + " - " + describe(channel.remoteAddress());
        }
        return value;
    }

    // ---- relaying ----

    private void onQueryMessage(Object msg) {
        byte type = typeOf(msg);
        if (type == MessageType.TERMINATE) {
            ReferenceCountUtil.release(msg);
            closeQuietly();
            return;
        }
        if (console != null) {
            console.onMessage((ByteBuf) msg); // the console's decoder streams nothing
            return;
        }
        if (awaitingListen) {
            holdWhileListening(msg);
            return;
        }
        if (type == MessageType.FLUSH && server() == null && pendingMessages.isEmpty() && msg instanceof ByteBuf flush) {
            flush.release(); // nothing is pending anywhere: a Flush has nothing to flush, and takes no server
            channel.flush();
            return;
        }
        boolean first = startsMessage(msg);
        if (listenMultiplex && first && type == MessageType.QUERY && msg instanceof ByteBuf frame
                && listenAnswerStatus() != 0 && answeredListen(frame, listenAnswerStatus())) {
            return;
        }
        burstBytes += bytesOf(msg).readableBytes();
        if (first) {
            queryTimer.clientMessage(type == MessageType.QUERY || type == MessageType.SYNC
                    || type == MessageType.FUNCTION_CALL);
        }
        if (watchSessionState && msg instanceof ByteBuf frame) {
            watchSessionState(frame);
        }
        if (notifications != null && notifications.listening() && msg instanceof ByteBuf frame
                && !SessionPin.LISTEN.isIn(SessionStateScanner.applyMessage(tracked, SessionPin.LISTEN.bit(), frame))) {
            notifications.unlistenAll(); // DISCARD ALL or UNLISTEN * sent to a server ends its subscriptions too
        }
        PooledServer s = server();
        if (s == null && pendingMessages.isEmpty() && msg instanceof ByteBuf frame && answeredWithoutServer(frame, type)) {
            return;
        }
        if (s == null || !pendingMessages.isEmpty()) {
            pendingMessages.add(msg);
            requestServer();
            return;
        }
        forward((ServerConnection) s, msg);
    }

    /**
     * Scans a Query's or Parse's text on arrival, before it can be answered without a server, for
     * session state (see SessionStateScanner). Texts longer than the streaming threshold arrive in
     * parts and are not scanned.
     */
    private void watchSessionState(ByteBuf frame) {
        int before = sessionPins;
        sessionPins = SessionStateScanner.applyMessage(tracked, before, frame);
        if (before == 0 && sessionPins != 0) {
            log.info("{} pinned to its server: {} (it keeps the server until it clears that state or leaves)",
                    this, SessionPin.labels(sessionPins));
        }
    }

    /**
     * A lone LISTEN/UNLISTEN between transactions is the pooler's to answer (listen_multiplex): takes the
     * frame and returns true; anything else is left alone. A LISTEN is answered once the pool's listener
     * listens, so a NOTIFY the client sends next reaches it.
     */
    private boolean answeredListen(ByteBuf frame, byte transactionStatus) {
        ListenCommand command = ListenCommand.parse(frame, frame.readerIndex() + PgFrames.HEADER_LENGTH,
                frame.writerIndex() - 1); // without the query's NUL
        if (command == null) {
            return false;
        }
        frame.release();
        if (notifications == null) {
            notifications = new ClientNotifications(channel, pool, runtime.listenerHubs(),
                    () -> phase == Phase.READY && !awaitingListen && betweenTransactions(),
                    reason -> fatal(SqlState.CONNECTION_FAILURE, reason));
        }
        switch (command.kind()) {
            case LISTEN -> {
                awaitingListen = true;
                channel.config().setAutoRead(false);
                notifications.listen(command.channel(), () -> {
                    if (phase == Phase.CLOSED) {
                        return;
                    }
                    awaitingListen = false;
                    answerLocally(command.commandTag(), transactionStatus);
                    channel.config().setAutoRead(true);
                    while (!awaitingListen && heldWhileListening != null && !heldWhileListening.isEmpty()
                            && phase != Phase.CLOSED) {
                        onQueryMessage(heldWhileListening.poll());
                    }
                });
            }
            case UNLISTEN -> {
                notifications.unlisten(command.channel());
                answerLocally(command.commandTag(), transactionStatus);
            }
            case UNLISTEN_ALL -> {
                notifications.unlistenAll();
                answerLocally(command.commandTag(), transactionStatus);
            }
        }
        return true;
    }

    /** CommandComplete and ReadyForQuery (idle: it holds no server), then any notifications held meanwhile. */
    private void answerLocally(String tag, byte transactionStatus) {
        channel.write(BackendMessages.commandComplete(channel.alloc(), tag));
        channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), transactionStatus));
        if (transactionStatus == BackendMessages.TX_IDLE) {
            notifications.flushHeld();
        }
    }

    /**
     * Whether a lone LISTEN/UNLISTEN can be answered here, and the ReadyForQuery status to answer with:
     * idle between transactions, or idle inside one (psycopg2 without autocommit, as Odoo's bus and cron
     * listen, sends BEGIN first); 0 when a statement is under way or the transaction failed (the
     * server answers then, and a LISTEN pins).
     */
    private byte listenAnswerStatus() {
        if (betweenTransactions()) {
            return BackendMessages.TX_IDLE;
        }
        PooledServer s = server();
        boolean idleInTransaction = pendingMessages.isEmpty() && !midMessage && !unsyncedExtended
                && s instanceof ServerConnection server && server.outstandingRequests() == 0
                && server.transactionStatus() == BackendMessages.TX_IN_TRANSACTION;
        return idleInTransaction ? BackendMessages.TX_IN_TRANSACTION : 0;
    }

    /**
     * No transaction of this client is under way: no server, or a server that is idle with nothing
     * outstanding (just before it goes back to the pool, or kept by a pinned client), and nothing
     * waiting to be sent.
     */
    private boolean betweenTransactions() {
        if (!pendingMessages.isEmpty() || midMessage) {
            return false;
        }
        PooledServer s = server();
        return s == null || (s instanceof ServerConnection server
                && server.outstandingRequests() == 0 && !unsyncedExtended
                && server.transactionStatus() == BackendMessages.TX_IDLE);
    }

    private void holdWhileListening(Object msg) {
        if (heldWhileListening == null) {
            heldWhileListening = new ArrayDeque<>();
        }
        heldWhileListening.add(msg);
    }

    private static boolean startsMessage(Object msg) {
        return !(msg instanceof FramePart part) || part.first();
    }

    private static byte typeOf(Object msg) {
        return msg instanceof FramePart part ? part.type() : PgFrames.type((ByteBuf) msg);
    }

    private static ByteBuf bytesOf(Object msg) {
        return msg instanceof FramePart part ? part.content() : (ByteBuf) msg;
    }

    /**
     * Between transactions, a Parse of a statement some server already parsed, a Close of a
     * statement, and the Sync after only such messages need no server: the pooler answers them.
     * This saves a round trip, and a client that prepares synchronously while holding another
     * connection's server (pgbench -M prepared with several clients per thread) does not wait for
     * a server it can never get.
     */
    private boolean answeredWithoutServer(ByteBuf frame, byte type) {
        if (statementRewriter == null) {
            return false;
        }
        if (type == MessageType.SYNC && answeredLocallySinceSync) {
            answeredLocallySinceSync = false;
            frame.release();
            channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), BackendMessages.TX_IDLE));
            return true;
        }
        if (type == MessageType.FLUSH && answeredLocallySinceSync) {
            frame.release();
            channel.flush();
            return true;
        }
        byte answer;
        try {
            answer = statementRewriter.answerWithoutServer(frame);
        } catch (ProtocolException e) {
            frame.release(); // the rewriter validates before it consumes: still ours
            onProtocolError(e);
            return true;
        }
        if (answer == 0) {
            answeredLocallySinceSync = false;
            return false;
        }
        answeredLocallySinceSync = true;
        channel.write(channel.alloc().buffer(5).writeByte(answer).writeInt(4));
        return true;
    }

    /**
     * Relays one message, or one part of a streamed one, to the linked server; takes it over. A
     * malformed message (the rewriter checks before it consumes) is answered with 08P01 here.
     */
    private void forward(ServerConnection server, Object msg) {
        if (parametersDirty) {
            parametersDirty = false;
            applyParameters(server);
        }
        byte type = typeOf(msg);
        boolean first = startsMessage(msg);
        if (msg instanceof FramePart part) {
            midMessage = !part.last();
        }
        // NOTE: counted before the message can be flushed, so its answer can never be counted first.
        if (first) {
            switch (type) {
                case MessageType.QUERY, MessageType.FUNCTION_CALL -> server.requestSent();
                case MessageType.SYNC -> {
                    server.requestSent();
                    unsyncedExtended = false;
                }
                // NOTE: not FLUSH: after a Sync it asks for nothing (psycopg ends pipelines with Sync, Flush).
                case MessageType.PARSE, MessageType.BIND, MessageType.EXECUTE, MessageType.DESCRIBE,
                     MessageType.CLOSE -> unsyncedExtended = true;
                default -> {
                }
            }
        }
        if (statementRewriter == null) {
            toServer.add(server.channel(), bytesOf(msg));
        } else if (msg instanceof FramePart part) {
            // Streamed: never a message the rewriter changes. A Query or FunctionCall ends in a ReadyForQuery.
            if (first && (type == MessageType.QUERY || type == MessageType.FUNCTION_CALL)) {
                server.tracker().expect(PendingRequest.SYNC);
            }
            toServer.add(server.channel(), part.content());
        } else {
            try {
                // Malformed messages were refused on arrival (StatementRewriter.check); what can still
                // be refused here is a client over MAX_CLIENT_STATEMENTS.
                statementRewriter.forward((ByteBuf) msg, server, f -> toServer.add(server.channel(), f));
            } catch (ProtocolException e) {
                ((ByteBuf) msg).release(); // the rewriter checks before it consumes: still ours
                onProtocolError(e);
                return;
            }
            if (server.tracker().answerIsDue()) {
                toServer.flush();
                server.sendAnswersDue();
            }
        }
    }

    /**
     * Messages are queued and, while the client waits, reading stops (bounding what is buffered)
     * until a server is linked. Reading is stopped only when no server was free at once: each switch
     * is a system call, and a free server is the common case.
     */
    private void requestServer() {
        if (waitingForServer) {
            return;
        }
        waitingForServer = true;
        PooledServer s = pool.findServer(this);
        if (s != null) {
            linked((ServerConnection) s);
        } else if (waitingForServer && !rejecting) {
            // A server assigned meanwhile by another loop arrives as a task after this: linked()
            // turns reading back on then.
            channel.config().setAutoRead(false);
        }
    }

    @Override
    protected void onServerAssigned(PooledServer server) {
        runOnLoop(() -> linked((ServerConnection) server));
    }

    private void linked(ServerConnection server) {
        if (phase == Phase.CLOSED) {
            return; // onInactive already gave the server back
        }
        waitingForServer = false;
        unsyncedExtended = false;
        midMessage = false;
        server.beginLink(statementRewriter != null);
        applyParameters(server);
        while (!pendingMessages.isEmpty() && server() == server && !rejecting) {
            forward(server, pendingMessages.poll());
        }
        toServer.flush();
        channel.config().setAutoRead(true);
    }

    /** Brings the server's session parameters in line with this client's before its own messages. */
    private void applyParameters(ServerConnection server) {
        String sql = tracked.applySql(wantedParameters, server.parameters());
        if (sql != null) {
            toServer.flush();
            server.sendInternalQuery(sql);
        }
    }

    /**
     * The server relayed a ReadyForQuery to this client. In transaction and statement mode, a server
     * with nothing outstanding goes back to the pool. Any thread.
     */
    public void serverReady(ServerConnection server) {
        runOnLoop(() -> onServerReady(server));
    }

    private void onServerReady(ServerConnection server) {
        if (server() != server || phase != Phase.READY) {
            return;
        }
        boolean idle = server.outstandingRequests() == 0 && !unsyncedExtended && !midMessage && pendingMessages.isEmpty();
        if (!idle) {
            return;
        }
        byte status = server.transactionStatus();
        if (poolMode == PoolMode.SESSION) {
            if (status == BackendMessages.TX_IDLE
                    && runtime.shutdownMode() == PoolerRuntime.ShutdownMode.WAIT_FOR_SERVERS) {
                fatal(SqlState.ADMIN_SHUTDOWN, "pooler is shutting down");
            }
            return;
        }
        if (status != BackendMessages.TX_IDLE) {
            if (poolMode == PoolMode.STATEMENT) {
                fatal(SqlState.FEATURE_NOT_SUPPORTED, "transaction blocks not allowed in statement pooling mode");
            }
            return;
        }
        if (notifications != null) {
            notifications.flushHeld(); // between transactions: PostgreSQL, too, delivers them now
        }
        if (sessionPins != 0) {
            // Pinned: the link stays, as in session mode, until the client clears its session state.
            if (runtime.shutdownMode() == PoolerRuntime.ShutdownMode.WAIT_FOR_SERVERS) {
                fatal(SqlState.ADMIN_SHUTDOWN, "pooler is shutting down");
            }
            return;
        }
        boolean resetAlways = runtime.config().config().settings().serverResetQueryAlways();
        if (resetAlways) {
            server.resetAndRelease(true);
        } else if (server.tryBeginRelease(() -> serverReady(server))) {
            pool.releaseServer(server);
        }
        if (runtime.shutdownMode() == PoolerRuntime.ShutdownMode.WAIT_FOR_SERVERS) {
            fatal(SqlState.ADMIN_SHUTDOWN, "pooler is shutting down");
        }
    }

    /**
     * The server reported a parameter value while linked to this client; returns the value the
     * client should see. After DISCARD ALL or RESET that is the client's own startup value, which the
     * pooler then restores on the server before the client's next message. Called on the server's loop.
     */
    public String serverReportedParameter(String name, String value, boolean afterReset) {
        if (tracked == null || !tracked.isTracked(name)) {
            return value;
        }
        if (afterReset) {
            String own = startupValue(name, pool.welcomeParameters());
            if (own == null) {
                own = value;
            }
            want(name, own);
            if (!own.equals(value)) {
                parametersDirty = true;
            }
            return own;
        }
        want(name, value);
        return value;
    }

    /** Sets one wanted value; from any thread (a server's loop reports values). */
    @SuppressWarnings("unchecked")
    private void want(String name, String value) {
        ParameterMaps maps = runtime.parameterMaps();
        WANTED.updateAndGet(this, current -> maps.with((Map<String, String>) current, name, value));
    }

    /** The linked server's connection ended. Any thread. */
    public void serverLost(ServerConnection server, boolean serverSentFatal) {
        runOnLoop(() -> {
            if (phase == Phase.CLOSED) {
                return;
            }
            if (serverSentFatal) {
                channel.flush();
                closeQuietly();
            } else {
                fatal(SqlState.CONNECTION_FAILURE, "server conn crashed?");
            }
        });
    }

    @Override
    protected void onWaitFailed(ErrorResponse error) {
        runOnLoop(() -> fail(error));
    }

    /** On close: a clean server goes back (after the reset query in session mode); a busy one is closed. */
    private void giveBackServerOnClose() {
        PooledServer s = server();
        if (!(s instanceof ServerConnection server) || serverHandled) {
            return;
        }
        serverHandled = true;
        boolean clean = server.outstandingRequests() == 0 && !unsyncedExtended && !midMessage
                && server.transactionStatus() == BackendMessages.TX_IDLE;
        if (clean && sessionPins != 0) {
            // The state it left must not reach the next client: reset it, or close the server when the
            // reset query cannot clear it (LOAD, or no server_reset_query).
            if (SessionPin.LOAD.isIn(sessionPins) || runtime.config().config().settings().serverResetQuery().isBlank()) {
                server.close("client left session state the reset query cannot clear: " + SessionPin.labels(sessionPins));
            } else {
                server.resetAndRelease(true);
            }
        } else if (clean) {
            boolean reset = poolMode == PoolMode.SESSION || runtime.config().config().settings().serverResetQueryAlways();
            server.resetAndRelease(reset);
        } else {
            server.close("client disconnected while server was not ready");
        }
    }

    // ---- admin console ----

    /** The admin console's virtual database: the same authentication, then the console takes over. */
    private void startConsole(RuntimeConfig rc, Settings settings) {
        console = new ConsoleSession(runtime.adminBackend(), channel, startup.user(), id, this::fail);
        console.applicationName(applicationName());
        if (console.trustedPeer()) {
            loginSucceeded(null);
            return;
        }
        beginAuthentication(rc, settings, null);
    }

    private void consoleLoggedIn() {
        Optional<ErrorResponse> refused = console.admit(runtime.config().config().settings(), console.trustedPeer());
        if (refused.isPresent()) {
            log.info("{} refused the admin console: not in admin_users or stats_users", this);
            fail(refused.get());
            return;
        }
        console.sendWelcome();
        if (loginTimer != null) {
            loginTimer.cancel(false);
        }
        phase = Phase.READY;
    }

    // ---- what SHOW CLIENTS reads, from any thread ----

    public long id() {
        return id;
    }

    public String loginUser() {
        return startup == null ? "(nouser)" : startup.user();
    }

    public String databaseName() {
        return poolDatabase == null ? "(nodb)" : poolDatabase;
    }

    public String applicationName() {
        return startup == null ? "" : startup.parameters().getOrDefault("application_name", "");
    }

    /** The named statements the client holds (SHOW CLIENTS' prepared_statements). */
    public int preparedStatementCount() {
        StatementRewriter rewriter = statementRewriter;
        return rewriter == null ? 0 : rewriter.clientStatementCount();
    }

    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    public long lastRequestMillis() {
        return lastRequestMillis;
    }

    /** Null until the client is in a pool. */
    public QueryTimer queryTimer() {
        return queryTimer;
    }

    /** KILL and KILL_CLIENT: sends the error and closes. Any thread. */
    public void disconnect(ErrorResponse error) {
        runOnLoop(() -> fail(error));
    }

    // ---- helpers ----

    private void runOnLoop(Runnable task) {
        if (eventLoop().inEventLoop()) {
            task.run();
        } else {
            eventLoop().execute(task);
        }
    }

    private void fatal(String sqlState, String message) {
        fail(ErrorResponse.fatal(sqlState, message));
    }

    /** Sends the error, then closes: the one way a client is turned away. */
    void fail(ErrorResponse error) {
        if (!channel.isActive()) {
            return;
        }
        if (rejecting) {
            return;
        }
        rejecting = true;
        closeReason = error.message();
        if (runtime.config().config().settings().logPoolerErrors()) {
            log.warn("{} pooler error: {}", this, error.message());
        }
        (pool != null ? pool.stats().errors() : runtime.admin().errors()).count(ErrorKind.of(error));
        channel.config().setAutoRead(true);
        channel.writeAndFlush(error.encode(channel.alloc())).addListener(f -> closeAfterError());
    }

    /**
     * Half-closes, then reads and drops whatever the client is still sending for a moment before
     * closing: closing with unread input would reset the connection and the client could lose the
     * error it has not read yet (a client in the middle of sending an oversized message, say).
     */
    private void closeAfterError() {
        if (channel instanceof DuplexChannel duplex && channel.isActive()) {
            duplex.shutdownOutput();
            eventLoop().schedule(this::closeQuietly, ERROR_LINGER_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        channel.close();
    }

    private static String describe(java.net.SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return "unix";
    }
}
