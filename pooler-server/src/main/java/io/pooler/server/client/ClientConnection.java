package io.pooler.server.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.config.PoolMode;
import io.pooler.config.Settings;
import io.pooler.pool.ClientState;
import io.pooler.pool.Pool;
import io.pooler.pool.PooledClient;
import io.pooler.pool.PooledServer;
import io.pooler.pool.ShutdownTexts;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.FrontendMessageCheck;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import io.pooler.protocol.TrackedParameters;
import io.pooler.protocol.prepared.StatementRewriter;
import io.pooler.server.ShutdownState;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.backend.ServerRelease;
import io.pooler.stats.ErrorKind;
import io.pooler.stats.OpaqueFields;
import io.pooler.stats.QueryTimer;
import io.pooler.server.tls.TlsChannels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client's session (PgBouncer's {@code PgSocket} of a client): its state, the server it is linked
 * to, the parameter values it should see, and {@link #disconnect(String, String)}, the one way out.
 * The work is done by its stages: {@link ClientStartup} (SSLRequest, CancelRequest, admission),
 * {@link ClientLogin} (authentication, limits, welcome; dropped once the client is READY), then
 * {@link FrontendRelay} (client to server) for a pool client or a {@link Console} for the admin console.
 *
 * <p>Phases: STARTUP → AUTH (password exchange) → LOGIN (waiting for the pool's first server, for the
 * parameters to report) → READY → CLOSED. Only this class changes the phase.
 *
 * <p>Threads: owned by its channel's event loop. Calls from a server on another loop
 * ({@link #serverReady}, {@link #serverLost}) hop onto it; {@link #serverReportedParameter} only
 * replaces the interned map of wanted parameter values, atomically.
 */
public final class ClientConnection extends PooledClient {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
    private static final AtomicLong IDS = new AtomicLong();
    private static final VarHandle LAST_ACTIVITY_NANOS = OpaqueFields.find(ClientConnection.class, "lastActivityNanos", long.class);
    private static final VarHandle LAST_REQUEST_NANOS = OpaqueFields.find(ClientConnection.class, "lastRequestNanos", long.class);
    /** How long a refused client may go on sending before the connection is closed under it. */
    private static final long ERROR_LINGER_MILLIS = 2000;
    /** PgBouncer's words when a client's server ended under it (log_disconnections, the error sent). */
    private static final String SERVER_LOST = "server conn crashed?";

    private enum Phase { STARTUP, AUTH, LOGIN, READY, CLOSED }

    private final long id = IDS.incrementAndGet();
    private final ClientServices services;
    private final Channel channel;
    private Phase phase = Phase.STARTUP;
    /** client_login_timeout, from connect to READY. */
    private ScheduledFuture<?> loginTimer;
    /** The login under way, from admission to READY; null before and after. */
    private ClientLogin login;

    private StartupRequest startup;
    private Pool pool;
    private PoolMode poolMode;
    /** Client to server, for a pool client once admitted; null for the console. */
    private FrontendRelay relay;
    /** Set when the client asked for the admin console's database; then there is no pool. */
    private Console console;
    /** The parameter values this client should see; set with the StartupMessage. */
    private volatile ClientParameters parameters;
    private int cancelProcessId;
    private int cancelSecretKey;
    /** How to give back its max_db_client_connections and max_user_client_connections slots, at close. */
    private Runnable heldSlot;
    private Runnable heldSlot2;

    /** Written at each read burst; read by the janitor, and by SHOW commands on another thread (opaque). */
    private long lastActivityNanos = System.nanoTime();
    /** Why the connection ends, for log_disconnections; the client's own doing unless set. */
    private String closeReason = "client close request";
    /** The server was given back or closed when the client left: not again. */
    private boolean serverHandled;
    /** An error was sent and the connection is closing: nothing more is read. */
    private boolean rejecting;
    /** disable_pqexec, read once authenticated (a key that needs a restart, so it cannot change later). */
    private boolean simpleQueryRefused;

    // ---- stats (read from other threads by SHOW CLIENTS) ----
    private volatile QueryTimer queryTimer;
    private final long connectedAtMillis = System.currentTimeMillis();
    /**
     * Written at each request; read by SHOW CLIENTS on another thread (opaque: see {@link OpaqueFields}).
     * NOTE: on the nanosecond clock, so that a request costs one clock read, not one for each clock.
     */
    private long lastRequestNanos = lastActivityNanos;

    public ClientConnection(ClientServices services, Channel channel) {
        this.services = services;
        this.channel = channel;
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public Channel channel() {
        return channel;
    }

    ClientServices services() {
        return services;
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
        services.clientCount().incrementAndGet();
        long timeout = services.config().get().config().settings().clientLoginTimeout().toMillis();
        if (timeout > 0) {
            loginTimer = eventLoop().schedule(() -> {
                if (phase.ordinal() < Phase.READY.ordinal()) {
                    disconnect("client_login_timeout", SqlState.PROTOCOL_VIOLATION);
                }
            }, timeout, TimeUnit.MILLISECONDS);
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
            login.handleAuthMessage((ByteBuf) msg); // nothing is streamed during authentication
            return;
        }
        try {
            if (FrontendRelay.startsMessage(msg)) {
                FrontendMessageCheck.checkAfterLogin(FrontendRelay.typeOf(msg));
            }
            if (relay != null) {
                relay.checkOnArrival(msg); // refused here, before it asks for a server
            }
        } catch (ProtocolException e) {
            ReferenceCountUtil.release(msg);
            onProtocolError(e);
            return;
        }
        if (phase == Phase.LOGIN) {
            // Waiting for the pool's first server: queue, and read no more until the welcome is sent.
            relay.queueDuringLogin(msg);
        } else {
            handleLoggedInMessage(msg);
        }
    }

    /**
     * A checked message of a logged-in client: Terminate ends the session, the rest goes to the console or
     * the relay. Also where the relay replays what it held while a LISTEN waited for the listener.
     */
    void handleLoggedInMessage(Object msg) {
        byte type = FrontendRelay.typeOf(msg);
        if (type == MessageType.TERMINATE) {
            ReferenceCountUtil.release(msg);
            disconnect("client close request", null);
        } else if (type == MessageType.QUERY && simpleQueryRefused) {
            // PgBouncer's disable_pqexec, checked where PgBouncer checks it: before the console too. A
            // simple Query may carry several statements in one string, which some SQL injections need.
            ReferenceCountUtil.release(msg);
            log.error("{} client used \"Query\" packet type", this);
            disconnect("PQexec disallowed", SqlState.PROTOCOL_VIOLATION);
        } else if (console != null) {
            console.onMessage((ByteBuf) msg); // the console's decoder streams nothing
        } else {
            relay.handleMessage(msg);
        }
    }

    void onReadComplete() {
        long now = System.nanoTime();
        LAST_ACTIVITY_NANOS.setOpaque(this, now);
        if (relay != null && relay.endOfReadBurst()) {
            LAST_REQUEST_NANOS.setOpaque(this, now);
        }
    }

    /**
     * The linked server's socket can take more again: reading this client resumes unless something
     * else still holds it. Any thread.
     */
    public void readingMayResume() {
        runOnLoop(this::resumeReading);
    }

    /**
     * The linked server's answers let go of those the pooler owed behind them, fewer than the cap now:
     * reading stopped for them resumes. On this loop.
     */
    public void owedAnswersWentOut() {
        if (relay != null && !rejecting && phase == Phase.READY) {
            relay.owedAnswersWentOut();
        }
    }

    private void resumeReading() {
        if (relay != null && !rejecting && phase == Phase.READY) {
            relay.resumeReading();
        }
    }

    /**
     * The linked server wrote answers the pooler gave itself (a ParseComplete or CloseComplete it owed):
     * reading stops while this client's socket is full, as after the relay's own. On this loop.
     */
    public void answeredByPooler() {
        if (relay != null && phase == Phase.READY) {
            relay.stopReadingWhileFull();
        }
    }

    /** When this client last sent anything. */
    public long lastActivityNanos() {
        return (long) LAST_ACTIVITY_NANOS.getOpaque(this);
    }

    /** A timeout on the server side ends this client's session with {@code reason}. Any thread. */
    public void failFromServer(String reason) {
        runOnLoop(() -> disconnect(reason, SqlState.PROTOCOL_VIOLATION));
    }

    /** client_idle_timeout: closes the client if it is still idle. Any thread. */
    public void closeIfIdle(long idleSinceLimitNanos, String reason) {
        runOnLoop(() -> {
            PooledServer s = server();
            boolean busy = s instanceof ServerConnection server && (server.outstandingRequests() > 0
                    || server.transactionStatus() != BackendMessages.TX_IDLE);
            if (phase == Phase.READY && !busy && lastActivityNanos() < idleSinceLimitNanos) {
                disconnect(reason, SqlState.PROTOCOL_VIOLATION);
            }
        });
    }

    void onWritabilityChanged() {
        if (!channel.isWritable()) {
            return;
        }
        if (server() instanceof ServerConnection server) {
            server.resumeReading();
        }
        if (relay != null && !rejecting && phase == Phase.READY) {
            relay.clientWritable();
        } else if (console != null && !rejecting && phase == Phase.READY) {
            console.writable();
        }
    }

    void onProtocolError(ProtocolException e) {
        log.info("{} protocol error: {}", this, e.getMessage());
        disconnect(e.getMessage(), e.sqlState());
    }

    /** The channel closed, for whatever reason: every slot and queued message is given back, once. */
    void onInactive() {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        services.clientCount().decrementAndGet();
        if (loginTimer != null) {
            loginTimer.cancel(false);
        }
        login = null;
        services.cancelRegistry().unregister(this);
        releaseSlots();
        if (relay != null) {
            relay.discard();
        }
        if (console != null) {
            console.closed();
        }
        if (pool != null) {
            pool.clientClosed(this);
            giveBackServerOnClose();
            pool.leave(); // entered by ClientLogin.joinPool
        }
        if (services.config().get().config().settings().logDisconnections()) {
            log.info("{} closing because: {} (age={}s)", this, closeReason,
                    TimeUnit.MILLISECONDS.toSeconds(System.currentTimeMillis() - connectedAtMillis));
        }
    }

    /**
     * Shutdown WAIT_FOR_SERVERS was requested: leave now unless a transaction is running. A client
     * waiting for a server (queued or paused) hears PgBouncer's janitor text; the console stays.
     */
    void shutdownRequested() {
        PooledServer s = server();
        if (console != null) {
            return;
        } else if (s == null) {
            disconnect(state() == ClientState.WAITING ? ShutdownTexts.SERVER_SHUTTING_DOWN : ShutdownTexts.POOLER_SHUTTING_DOWN,
                    SqlState.ADMIN_SHUTDOWN);
        } else if (s instanceof ServerConnection server) {
            onServerReady(server);
        }
    }

    // ---- what the startup and login stages set ----

    void started(StartupRequest startup, TrackedParameters tracked) {
        this.startup = startup;
        this.parameters = new ClientParameters(this, startup, tracked);
    }

    /** Authenticated, into {@code pool}: the relay (with prepared statements tracked, if so) and stats. */
    void joinPool(Pool pool) {
        this.pool = pool;
        this.poolMode = pool.settings().poolMode();
        Settings settings = services.config().get().config().settings();
        StatementRewriter rewriter = poolMode != PoolMode.SESSION && settings.maxPreparedStatements() > 0
                ? new StatementRewriter(services.statementRegistry(), services.maxPreparedStatements(), pool.stats(),
                        services.statementBudget())
                : null;
        this.relay = new FrontendRelay(this, pool, rewriter, services.listenerHubs(), services.waitingBudget());
    }

    void attachConsole(Console console) {
        this.console = console;
    }

    /** Admitted: {@code login} runs until the welcome is sent. */
    void loginStarted(ClientLogin login) {
        this.login = login;
    }

    /** Waiting for the client's password or SASL messages, which go to the login. */
    void authenticating() {
        phase = Phase.AUTH;
    }

    /** The password exchange (if any) succeeded: waiting for the pool's parameters, then the welcome. */
    void authenticated() {
        phase = Phase.LOGIN;
        simpleQueryRefused = services.config().get().config().settings().disablePqexec();
    }

    void holdSlot(Runnable slot) {
        if (heldSlot == null) {
            heldSlot = slot;
        } else {
            heldSlot2 = slot;
        }
    }

    private void releaseSlots() {
        if (heldSlot != null) {
            heldSlot.run();
            heldSlot = null;
        }
        if (heldSlot2 != null) {
            heldSlot2.run();
            heldSlot2 = null;
        }
    }

    @Override
    protected void onWelcomeReady() {
        runOnLoop(() -> {
            if (phase == Phase.LOGIN) {
                login.sendWelcome();
            }
        });
    }

    /** The welcome was sent: the login's state goes, the client is READY. */
    void loginDone() {
        if (loginTimer != null) {
            loginTimer.cancel(false);
            loginTimer = null;
        }
        login = null;
        phase = Phase.READY;
        if (relay != null) {
            log.debug("{} login done", this);
            channel.config().setAutoRead(true);
            relay.requestServerIfPending();
        }
    }

    /** A replication client's own server is linked and its welcome sent (ReplicationSession): READY. */
    void replicationReady() {
        if (loginTimer != null) {
            loginTimer.cancel(false);
            loginTimer = null;
        }
        login = null;
        phase = Phase.READY;
    }

    Pool pool() {
        return pool;
    }

    FrontendRelay relay() {
        return relay;
    }

    Console console() {
        return console;
    }

    ClientParameters parameters() {
        return parameters;
    }

    boolean isRejecting() {
        return rejecting;
    }

    /** Logged in and not closed: the session may be written to between transactions. */
    boolean isReady() {
        return phase == Phase.READY;
    }

    boolean isClosed() {
        return phase == Phase.CLOSED;
    }

    boolean isClosedOrRejecting() {
        return phase == Phase.CLOSED || rejecting;
    }

    void setCloseReason(String reason) {
        closeReason = reason;
    }

    /** The TLS version and cipher suite of this client's connection, or "no" (SHOW CLIENTS' tls column). */
    public String tls() {
        return TlsChannels.describe(channel);
    }

    // ---- the link to a server ----

    @Override
    protected void onServerAssigned(PooledServer server) {
        runOnLoop(() -> {
            if (phase != Phase.CLOSED) { // else onInactive already gave the server back
                relay.linked((ServerConnection) server);
            }
        });
    }

    /**
     * The server relayed a ReadyForQuery to this client: maybe a transaction ended, which
     * {@link ServerRelease#releaseServer} decides. Any thread.
     */
    public void serverReady(ServerConnection server) {
        runOnLoop(() -> onServerReady(server));
    }

    private void onServerReady(ServerConnection server) {
        if (server() != server || phase != Phase.READY) {
            return;
        }
        ServerRelease.Verdict verdict = server.releaseServer(ServerRelease.Request.transactionEnded(
                poolMode, relay.clean(), relay.sessionPins(), resetQueryAlways(), relay.stateInDoubt()));
        if (verdict == ServerRelease.Verdict.RELEASED) {
            relay.stateInDoubtResetDone();
        }
        switch (verdict) {
            case TRANSACTION_IN_STATEMENT_MODE ->
                    disconnect("transaction blocks not allowed in statement pooling mode", SqlState.FEATURE_NOT_SUPPORTED);
            case SESSION_IDLE, PINNED, RELEASED -> {
                if (verdict != ServerRelease.Verdict.SESSION_IDLE) {
                    relay.betweenTransactionsNow(); // notifications held during the transaction go out now
                }
                if (services.shutdown().mode() == ShutdownState.Mode.WAIT_FOR_SERVERS) {
                    disconnect("pooler is shutting down", SqlState.ADMIN_SHUTDOWN);
                }
            }
            case KEPT, CLOSED -> {
            }
        }
    }

    private boolean resetQueryAlways() {
        return services.config().get().config().settings().serverResetQueryAlways();
    }

    /**
     * The server reported a parameter value while linked to this client; returns the value the
     * client should see. After DISCARD ALL or RESET that is the client's own startup value, which the
     * pooler then restores on the server before the client's next message. Called on the server's loop.
     */
    public String serverReportedParameter(String name, String value, boolean afterReset) {
        ClientParameters p = parameters;
        return p == null ? value : p.serverReported(name, value, afterReset, () -> pool.welcomeParameters());
    }

    /**
     * The pooler's SET brought the linked server in line with this client's parameters: from now on
     * the client wants the values as the server spells them. On the pair's loop.
     */
    public void parametersApplied(Map<String, String> serverValues) {
        ClientParameters p = parameters;
        if (p != null) {
            p.adopt(serverValues);
        }
    }

    /** The linked server's connection ended. Any thread. */
    public void serverLost(ServerConnection server, boolean serverSentFatal) {
        runOnLoop(() -> {
            if (isClosedOrRejecting()) {
                return; // already on its way out, with the last word written first
            }
            if (serverSentFatal || ReplicationSession.wanted(startup)) {
                // the server's FATAL was relayed (a replication client gets all its server said, as it came):
                // closed once written, since closing now drops what waits for room in a slow reader's socket
                closeReason = SERVER_LOST;
                endWith(Unpooled.EMPTY_BUFFER);
            } else {
                disconnect(SERVER_LOST, SqlState.CONNECTION_FAILURE);
            }
        });
    }

    @Override
    protected void onWaitFailed(ErrorResponse error) {
        runOnLoop(() -> fail(error));
    }

    /** On close: a clean server goes back (after the reset query in session mode), a busy one is closed. */
    private void giveBackServerOnClose() {
        PooledServer s = server();
        if (!(s instanceof ServerConnection server) || serverHandled) {
            return;
        }
        serverHandled = true;
        if (ReplicationSession.wanted(startup)) {
            server.close("replication client disconnected"); // its own server: never reset nor reused
            return;
        }
        // NOTE: onInactive discarded the relay's queue first: what was queued never reached the server.
        server.releaseServer(ServerRelease.Request.clientLeft(poolMode, relay.clean(), relay.sessionPins(),
                resetQueryAlways(), relay.stateInDoubt()));
    }

    // ---- what SHOW CLIENTS reads, from any thread ----

    public long id() {
        return id;
    }

    public String loginUser() {
        return startup == null ? "(nouser)" : startup.user();
    }

    public String databaseName() {
        StartupRequest s = startup; // the pool's database is the one the client asked for
        return pool == null || s == null ? "(nodb)" : s.database();
    }

    public String applicationName() {
        return startup == null ? "" : startup.parameters().getOrDefault("application_name", "");
    }

    /** SHOW CLIENTS' replication column: none, logical or physical. */
    public String replicationLabel() {
        StartupRequest s = startup;
        return s == null || s.replication() == null ? "none" : s.replication().mode().label();
    }

    /** Whether session state keeps the client on its server (SHOW POOLS' cl_pinned counts these). */
    public boolean isPinned() {
        FrontendRelay r = relay;
        return r != null && r.sessionPins() != 0;
    }

    /** Why the client keeps its server (SHOW CLIENTS' pinned, Pooler's own column): empty when it does not. */
    public String pinnedReason() {
        FrontendRelay r = relay;
        return r == null ? "" : io.pooler.sql.SessionPin.labels(r.sessionPins());
    }

    /** The named statements the client holds (SHOW CLIENTS' prepared_statements). */
    public int preparedStatementCount() {
        FrontendRelay r = relay;
        return r == null ? 0 : r.preparedStatementCount();
    }

    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    /** The last request's wall-clock time, as SHOW CLIENTS shows it; never before the connect. */
    public long lastRequestMillis() {
        long ageMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - (long) LAST_REQUEST_NANOS.getOpaque(this));
        return Math.max(connectedAtMillis, System.currentTimeMillis() - ageMillis);
    }

    /** Null until the client sent its first message to a server. */
    public QueryTimer queryTimer() {
        return queryTimer;
    }

    /** The query timer, made at the client's first message to a server: a client that never sends one has none. */
    QueryTimer startedQueryTimer() {
        QueryTimer timer = queryTimer;
        if (timer == null) {
            timer = new QueryTimer(pool.stats());
            queryTimer = timer;
        }
        return timer;
    }

    /** KILL and KILL_CLIENT: sends the error and closes. Any thread. */
    public void disconnect(ErrorResponse error) {
        runOnLoop(() -> fail(error));
    }

    // ---- the way out ----

    /**
     * Ends the session, the one way out: with {@code sqlState}, a FATAL error is sent first and the
     * connection closed after a linger; without, it is closed at once ({@code reason} is then only
     * for log_disconnections; null keeps the reason
     * known so far). On this loop.
     */
    void disconnect(String reason, String sqlState) {
        if (sqlState != null) {
            fail(ErrorResponse.fatal(sqlState, reason));
        } else {
            if (reason != null) {
                closeReason = reason;
            }
            channel.close();
        }
    }

    /** Sends the error, then closes: the one way a client is turned away. */
    void fail(ErrorResponse error) {
        if (!channel.isActive()) {
            return;
        }
        if (rejecting) {
            return;
        }
        closeReason = error.message();
        if (services.config().get().config().settings().logPoolerErrors()) {
            log.warn("{} pooler error: {}", this, error.message());
        }
        Pool counted = pool != null ? pool : login != null ? login.existingPool() : null; // a refused login joined none
        (counted != null ? counted.stats().errors() : services.unpooledErrors()).count(ErrorKind.of(error));
        endWith(error.encode(channel.alloc()));
    }

    /**
     * Writes the session's last bytes, then closes as {@link #closeAfterError} does; what the client
     * sends meanwhile is read and dropped.
     */
    private void endWith(ByteBuf last) {
        rejecting = true;
        channel.config().setAutoRead(true);
        channel.writeAndFlush(last).addListener(f -> closeAfterError());
    }

    /**
     * Half-closes, then reads and drops whatever the client is still sending for a moment before
     * closing: closing with unread input would reset the connection and the client could lose the
     * error it has not read yet (a client in the middle of sending an oversized message, say).
     */
    private void closeAfterError() {
        if (channel instanceof DuplexChannel duplex && channel.isActive()) {
            duplex.shutdownOutput();
            eventLoop().schedule(() -> channel.close(), ERROR_LINGER_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            channel.close();
        }
    }

    void runOnLoop(Runnable task) {
        if (eventLoop().inEventLoop()) {
            task.run();
        } else {
            eventLoop().execute(task);
        }
    }

    static String describe(java.net.SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return "unix";
    }
}
