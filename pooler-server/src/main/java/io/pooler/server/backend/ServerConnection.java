package io.pooler.server.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import io.pooler.pool.Pool;
import io.pooler.pool.PooledClient;
import io.pooler.pool.PooledServer;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.ParameterMaps;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import io.pooler.protocol.prepared.ResponseTracker;
import io.pooler.protocol.prepared.ServerStatements;
import io.pooler.protocol.prepared.StatementRewriter;
import io.pooler.server.client.ClientConnection;
import io.pooler.stats.ErrorKind;
import io.pooler.stats.OpaqueFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection from the pooler to PostgreSQL (PgBouncer's {@code PgSocket} of a server): its
 * identity, state and channel, and the way it ends. The work is done by its parts:
 * {@link ServerLogin} (up to the first ReadyForQuery; dropped then), {@link BackendRelay} (server to
 * client), {@link InternalQueries} (reset, check, SET), {@link OutstandingRequests}, and
 * {@link ServerRelease}, the one place that decides when it goes back to the pool.
 *
 * <p>Threads: owned by {@link #eventLoop()}, which is also its linked client's (one loop per pair), so
 * the outstanding requests and the response tracker are plain. What SHOW commands read from another
 * thread ({@link #transactionStatus}, {@link #lastUsedMillis}) is written and read opaque: whole and
 * soon visible, without the fence a volatile store costs at every transaction. {@link #parameters} and
 * the internal query count are still volatile or atomic; the loop itself is volatile because a server
 * can move to another loop while idle.
 */
public final class ServerConnection extends PooledServer implements StatementRewriter.Server {
    /**
     * The server messages relayed without being parsed, and so streamed when long: rows, COPY data and
     * function results. Everything else the server sends is read whole (max_parsed_message_size).
     */
    static final PgFrameDecoder.StreamPolicy STREAMED = type -> type == MessageType.DATA_ROW
            || type == MessageType.COPY_DATA || type == 'V';
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
    private static final AtomicLong IDS = new AtomicLong();
    /** Opaque access to the fields other threads only display (see the class comment). */
    private static final VarHandle TRANSACTION_STATUS = OpaqueFields.find(ServerConnection.class, "transactionStatus", byte.class);
    private static final VarHandle LAST_USED_MILLIS = OpaqueFields.find(ServerConnection.class, "lastUsedMillis", long.class);

    private final long id = IDS.incrementAndGet();
    private final BackendConnector connector;
    /** The loop the channel is registered on; changes only when an idle server moves (see moveTo). */
    private volatile EventLoop loop;
    private final BackendTarget target;
    private final Duration connectTimeout;

    private Channel channel;
    /** The connect under way (host list, DNS, failover; see ServerDial), before {@link #channel} is set. */
    private ServerDial dial;
    /** The login under way; null before the TCP connection and after the first ReadyForQuery. */
    private ServerLogin login;
    private boolean loggedIn;
    private boolean closed;
    /**
     * {@link #onInactive} ran: the pool has been told the connection is gone. On the loop the channel is
     * on; a move hands it over with the channel, through the loops' task queues.
     */
    private boolean inactiveReported;
    private int backendProcessId;
    private int backendSecretKey;
    /** Why the connection ends, for log_disconnections; the server's own doing unless close() said otherwise. */
    private String closeReason = "server closed the connection";

    private final Map<String, String> parameters = new ConcurrentHashMap<>();
    /**
     * The client values (an interned, immutable map: {@code ClientParameters}) that {@link #parameters}
     * was last found equal to, or null once a parameter changed since. A client wanting the same values
     * ({@link ParameterMaps#sameValues}: mostly identity checks) needs no SET, and its link skips the
     * comparison of every tracked parameter. On the server's loop.
     */
    private Map<String, String> matchedWanted;
    /** A parameter SET for the linked client is among the internal queries running. On the server's loop. */
    private boolean settingParameters;
    /**
     * Whose Parse made the unnamed prepared statement PostgreSQL keeps on this connection, as far as the
     * pooler can tell (see FrontendRelay.keepUnnamedStatementOwn). The server's loop, which is the linked
     * client's. Client ids, not clients, so a client gone keeps no memory here.
     */
    private final UnnamedStatementOwner unnamedStatement = new UnnamedStatementOwner();
    /** Named prepared statements on this server (transaction pooling). */
    private final ServerStatements statements;
    private final ResponseTracker tracker;
    /** The linked client's statements are tracked (transaction/statement pooling); set at link, on the pair's loop. */
    private boolean tracking;
    private final OutstandingRequests requests = new OutstandingRequests();
    private final InternalQueries internalQueries = new InternalQueries();
    private final BackendRelay relay;
    /** The release decision and the cancel requests in flight that can hold it back. */
    private final ServerRelease release;
    /** Written on the pair's loop at each ReadyForQuery; read there, and by SHOW commands (opaque: see the class comment). */
    private byte transactionStatus = BackendMessages.TX_IDLE;
    /** Set when this server is one client's own (a replication connection), never the pool's to share. */
    private volatile DedicatedServerOwner owner;

    // ---- stats and SHOW SERVERS ----
    private final long connectedAtMillis = System.currentTimeMillis();
    /** Written on the pair's loop at each link; read by SHOW SERVERS on another thread (opaque). */
    private long lastUsedMillis = connectedAtMillis;

    ServerConnection(Pool pool, BackendConnector connector, EventLoop loop, BackendTarget target,
                     Duration connectTimeout, String resetQuery) {
        super(pool);
        this.connector = connector;
        this.loop = loop;
        this.target = target;
        this.connectTimeout = connectTimeout;
        this.statements = new ServerStatements(connector.statementBudget());
        this.tracker = new ResponseTracker(statements);
        this.relay = new BackendRelay(this, internalQueries, requests, tracker, unnamedStatement);
        this.release = new ServerRelease(this, resetQuery);
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    /** An idle, logged-in connection with nothing under way can be handed to another loop. */
    @Override
    protected boolean canMove() {
        return channel != null && loggedIn && !closed && linkedClient() == null && outstandingRequests() == 0
                && !internalQueries.running();
    }

    /**
     * Deregisters the channel from this loop and registers it on {@code target}, where {@code arrived}
     * runs; the bytes PostgreSQL might send meanwhile wait in the socket. Netty keeps the pipeline and
     * its handlers; epoll drops the descriptor from one loop's set and adds it to the other's, io_uring
     * cancels the read it had submitted to one ring and submits a new one to the other.
     *
     * <p>Reading is turned off before and on again after: Netty's io_uring channel keeps its "a read is
     * pending" flag across a deregistration, so without that the new loop's first read request is
     * taken as already made and never submitted, and the moved server is never read again (its client
     * hangs). Turning auto-read off clears the flag; on epoll the pair costs nothing more.
     *
     * <p>A connection that ends on the way never arrives (PooledServer's contract): the close is reported
     * with {@link #onInactive}, once, and {@code arrived} does not run. A channel closed while on no loop
     * at all gets no channelInactive, so the listeners report that close themselves.
     */
    @Override
    protected void moveTo(EventLoop target, Runnable arrived) {
        assert loop.inEventLoop();
        Channel ch = channel;
        ch.config().setAutoRead(false);
        ch.deregister().addListener(off -> {
            if (!off.isSuccess() || !ch.isOpen()) {
                log.debug("{} not moved: {}", this, off.cause() == null ? "closed" : off.cause().toString());
                ch.close();
                onInactive();
                return;
            }
            loop = target;
            // The listener is in place before the registration can complete, so it runs on target inside
            // the registration, before target reads the channel. Added to the future register(ch)
            // returns, it could come too late (the registration done on target meanwhile) and be run
            // as a later task of target's, after target had read PostgreSQL's hang-up and closed the
            // channel: the move's end then came after the pool had been told of the close.
            ChannelPromise registered = new DefaultChannelPromise(ch, target);
            registered.addListener(on -> {
                if (!on.isSuccess()) {
                    log.warn("{} could not move to another event loop: {}", this, on.cause().toString());
                    ch.close();
                    onInactive();
                } else if (inactiveReported || !ch.isActive()) {
                    log.debug("{} closed on its way to another event loop", this);
                    onInactive();
                } else {
                    ch.config().setAutoRead(true);
                    arrived.run();
                }
            });
            target.register(registered);
        });
    }

    public long id() {
        return id;
    }

    public Channel channel() {
        return channel;
    }

    public BackendTarget target() {
        return target;
    }

    public int backendProcessId() {
        return backendProcessId;
    }

    public int backendSecretKey() {
        return backendSecretKey;
    }

    /** The server session's current values of the parameters PostgreSQL reports; changed only below. */
    public Map<String, String> parameters() {
        return parameters;
    }

    /** PostgreSQL reported a parameter's value (ParameterStatus). */
    void parameterReported(String name, String value) {
        if (!value.equals(parameters.put(name, value))) {
            matchedWanted = null;
        }
    }

    /** True when the session's parameters were found equal to {@code wanted}'s values and none changed since. */
    public boolean parametersMatch(Map<String, String> wanted) {
        return matchedWanted != null && ParameterMaps.sameValues(matchedWanted, wanted);
    }

    /** The session's parameters were just compared with {@code wanted} (interned, immutable) and found equal. */
    public void parametersMatched(Map<String, String> wanted) {
        matchedWanted = wanted;
    }

    public byte transactionStatus() {
        return (byte) TRANSACTION_STATUS.getOpaque(this);
    }

    @Override
    public boolean inFailedTransaction() {
        return transactionStatus() == BackendMessages.TX_FAILED;
    }

    public boolean hasInternalQuery() {
        return internalQueries.running();
    }

    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    /** When a client was last linked to it (SHOW SERVERS' request_time). */
    public long lastUsedMillis() {
        return (long) LAST_USED_MILLIS.getOpaque(this);
    }

    /** PgBouncer's log prefix shape, {@code S-4: shop/alice@10.0.0.9:5432}, so log filters carry over. */
    @Override
    public String toString() {
        return "S-" + id + ": " + pool().key() + "@" + describe(target.address());
    }

    private static String describe(java.net.SocketAddress address) {
        if (address instanceof java.net.InetSocketAddress inet) {
            return inet.getHostString() + ":" + inet.getPort();
        }
        return address instanceof io.netty.channel.unix.DomainSocketAddress unix ? "unix:" + unix.path() : String.valueOf(address);
    }

    boolean isLoggedIn() {
        return loggedIn;
    }

    /** The login under way, or null. */
    ServerLogin login() {
        return login;
    }

    BackendRelay relay() {
        return relay;
    }

    boolean isClosed() {
        return closed;
    }

    boolean tracksStatements() {
        return tracking;
    }

    ClientConnection linkedClient() {
        PooledClient client = client();
        return client instanceof ClientConnection c ? c : null;
    }

    // ---- connecting and logging in (the exchange itself is ServerLogin's) ----

    /** Opens this server for {@code owner} alone (see {@link DedicatedServerOwner}); before it connects. */
    public void dedicateTo(DedicatedServerOwner owner) {
        this.owner = owner;
    }

    DedicatedServerOwner owner() {
        return owner;
    }

    /** SHOW SERVERS' replication column. */
    public String replicationLabel() {
        DedicatedServerOwner o = owner;
        return o == null ? "none" : o.replicationLabel();
    }

    @Override
    protected void connect() {
        dial = connector.open(this, loop, new ServerHandler(this));
        dial.future().addListener(f -> {
            if (!f.isSuccess()) {
                loginFailed(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE,
                        "server connection failed: " + describe(f.cause())));
            }
        });
    }

    void onConnected(ChannelHandlerContext ctx) {
        if (closed) {
            ctx.close(); // closed while the TCP connect was under way: the pool has forgotten it already
            return;
        }
        channel = ctx.channel();
        login = new ServerLogin(this, connector, target);
        login.start(ctx, connectTimeout);
    }

    void rememberParameter(ByteBuf frame) {
        ByteBuf body = PgFrames.body(frame).duplicate();
        String name = PgFrames.readCString(body);
        parameterReported(name, PgFrames.readCString(body));
    }

    void setBackendKey(int processId, int secretKey) {
        backendProcessId = processId;
        backendSecretKey = secretKey;
    }

    void loginSucceeded() {
        if (closed) {
            return; // refused or closed while its welcome was on the way: never handed to the pool
        }
        loggedIn = true;
        login.stopTimer();
        login = null;
        if (connector.logConnections()) {
            log.info("{} new connection to server (from {})", this, describe(channel.localAddress()));
        } else {
            log.debug("{} login done", this);
        }
        if (owner != null) {
            owner.serverLoggedIn(this);
            return;
        }
        pool().serverLoggedIn(this, Map.copyOf(parameters));
    }

    void loginFailed(ErrorResponse error) {
        if (loggedIn || closed) {
            return;
        }
        closed = true;
        if (login != null) {
            login.stopTimer();
        }
        log.warn("{} login failed: {}", this, error.message());
        pool().stats().errors().count(ErrorKind.SERVER_CONNECTION);
        if (owner != null) {
            owner.serverLoginFailed(this, error); // its client's failure alone, not the pool's
        } else {
            pool().serverLoginFailed(this, error);
        }
        if (channel != null) {
            channel.close();
        }
    }

    // ---- the link to a client ----

    /**
     * The client just got this server: counting starts afresh. Called on the client's loop while
     * the server is quiet (idle or just logged in), so nothing races with it.
     */
    public void beginLink(boolean trackStatements) {
        release.linked();
        tracking = trackStatements;
        // NOTE: reading may have been paused for the previous client (backpressure), which can have
        // left without draining; a server always starts a link reading, or its answers would be lost.
        if (!channel.config().isAutoRead()) {
            channel.config().setAutoRead(true); // an atomic swap even when on: only when off
        }
        tracker.reset();
        unnamedStatement.newLink(); // before the counts it refers to start afresh
        requests.reset();
        relay.beginLink();
        LAST_USED_MILLIS.setOpaque(this, System.currentTimeMillis());
    }

    /**
     * The linked client sent a message PostgreSQL answers with ReadyForQuery (Query, Sync,
     * FunctionCall). Called on the client's loop.
     */
    public void requestSent() {
        requests.requestSent();
    }

    /** Requests of the linked client PostgreSQL has not answered yet. */
    public long outstandingRequests() {
        return requests.outstanding();
    }

    /** Since when the oldest unanswered request has been running (meaningful while outstanding). */
    public long busySinceNanos() {
        return requests.busySinceNanos();
    }

    /** When PostgreSQL last said it was ready for a query. */
    public long lastReadyNanos() {
        return requests.lastReadyNanos();
    }

    /** PostgreSQL sent ReadyForQuery with {@code status}; server's loop. */
    void serverReady(byte status) {
        TRANSACTION_STATUS.setOpaque(this, status);
        requests.serverReady();
    }

    // ---- prepared statements ----

    @Override
    public ServerStatements statements() {
        return statements;
    }

    @Override
    public ResponseTracker tracker() {
        return tracker;
    }

    @Override
    public io.netty.buffer.ByteBufAllocator alloc() {
        return channel.alloc();
    }

    /** The client queued requests the pooler answers itself: send those answers now. Any thread. */
    public void sendAnswersDue() {
        loop.execute(() -> {
            ClientConnection client = linkedClient();
            if (client != null && !closed) {
                relay.sendAnswersDue(client);
            }
        });
    }

    // ---- giving it back: ServerRelease decides ----

    /** PgBouncer's release_server; see {@link ServerRelease} for who calls it on which loop. */
    public ServerRelease.Verdict releaseServer(ServerRelease.Request request) {
        return release.releaseServer(request);
    }

    /**
     * A CancelRequest from {@code client} is about to go to this server. Refused when the server is
     * no longer that client's, or is being given back: the cancel would hit somebody else's query.
     */
    public boolean tryStartCancel(PooledClient client) {
        return release.tryStartCancel(client);
    }

    /** The cancel request's connection to PostgreSQL ended; a release it held back goes on. */
    public void cancelFinished() {
        release.cancelFinished();
    }

    /**
     * Sends a query whose replies nobody sees; any thread. The caller writes it before any client
     * message that must follow it, so ordering holds on the wire.
     */
    public void sendInternalQuery(String sql) {
        channel.writeAndFlush(internalQueryFrame(sql), channel.voidPromise());
    }

    /** Every internal query's frame: a simple Query, which drops the unnamed statement as it starts. */
    private ByteBuf internalQueryFrame(String sql) {
        unnamedStatement.droppedByInternalQuery();
        return internalQueries.frame(channel, sql);
    }

    /** The linked client's Parse of the unnamed statement is forwarded now (see {@link UnnamedStatementOwner}). */
    public void unnamedStatementParsed(long clientId) {
        assert loop.inEventLoop();
        unnamedStatement.parsed(clientId, requests.sent());
    }

    /** The linked client's simple Query is forwarded now: PostgreSQL drops the unnamed statement as it starts. */
    public void simpleQueryForwarded() {
        assert loop.inEventLoop();
        unnamedStatement.queried(requests.sent());
    }

    /** Whether a Bind or Describe of the unnamed statement by {@code clientId}, forwarded now, uses its own. */
    public boolean unnamedStatementIsOwnedBy(long clientId) {
        assert loop.inEventLoop();
        return unnamedStatement.isOwnedBy(clientId, requests.sent());
    }

    /**
     * An internal empty query, as a frame the caller owns and writes before the client's next message:
     * PostgreSQL drops the unnamed statement as any simple Query starts, so the client's Bind of it then
     * fails as on a fresh connection instead of running another client's statement.
     */
    public ByteBuf forgetUnnamedStatementFrame() {
        return internalQueryFrame("");
    }

    /**
     * The SET that brings this session in line with the linked client's parameters, as a frame the
     * caller owns: an internal query (its replies swallowed), which the client's relay writes in the
     * same batch as the client's messages that follow it, so both go out in one flush. When it is done
     * the client takes the server's spelling of what it asked for ({@link #internalQueryDone}). On the
     * server's loop.
     */
    public ByteBuf parameterSetFrame(String sql) {
        settingParameters = true;
        return internalQueryFrame(sql);
    }

    /**
     * An internal query finished. A clean reset or check query puts the server back in the pool, a
     * failed one closes it. After a parameter SET the linked client adopts the values the server now
     * reports: PostgreSQL spells some of them its own way (PgJDBC asks for DateStyle {@code ISO}, the
     * server reports {@code ISO, MDY}), and without this every later link would SET them again.
     */
    void internalQueryDone() {
        if (internalQueries.finished()) {
            ClientConnection client = linkedClient();
            if (settingParameters && client != null && !internalQueries.failed()) {
                client.parametersApplied(parameters);
            }
            settingParameters = false;
            release.releaseServer(ServerRelease.Request.internalQueryDone());
        }
    }

    boolean internalQueryFailed() {
        return internalQueries.failed();
    }

    @Override
    protected void runCheckQuery() {
        loop.execute(() -> {
            if (closed || channel == null) {
                return;
            }
            log.debug("{} running server_check_query", this);
            sendInternalQuery(connector.serverCheckQuery());
        });
    }

    /**
     * A timeout (query_timeout, idle_transaction_timeout) ends this server and its client's session:
     * the client is told why, the server closed. Any thread.
     */
    public void abortLinked(String reason) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> abortLinked(reason)); // the outstanding requests are the loop's
            return;
        }
        ClientConnection client = linkedClient();
        if (client != null) {
            client.failFromServer(reason);
        }
        if (outstandingRequests() > 0) {
            // Closing alone would leave the backend running the query until it next writes.
            connector.sendCancel(this, () -> close(reason));
        } else {
            close(reason);
        }
    }

    /** The server broke the protocol: it is closed, and its client told as when a server crashes. */
    void protocolErrorFromServer(ProtocolException e) {
        log.warn("{} protocol error from server: {}", this, e.getMessage());
        closeReason = "protocol error from server";
        if (channel != null) {
            channel.close();
        }
    }

    /** The linked client can take more data again; any thread. */
    public void resumeReading() {
        if (channel != null) {
            channel.config().setAutoRead(true);
        }
    }

    @Override
    public void close(String reason) {
        if (channel == null) {
            loop.execute(() -> {
                if (closed) {
                    return;
                }
                closed = true;
                pool().serverClosed(this);
                if (dial != null) {
                    dial.abort(); // aborts the connect, or closes what it just made
                }
            });
            return;
        }
        loop.execute(() -> {
            if (channel.isActive()) {
                log.debug("{} closing: {}", this, reason);
                closeReason = reason;
                if (loggedIn) {
                    channel.writeAndFlush(PgFrames.terminate(channel.alloc()));
                }
                channel.close();
            }
        });
    }

    /**
     * The connection is gone, for whatever reason: told once (channelInactive, or {@link #moveTo} for a
     * connection that ended on its way to another loop). On the loop the channel was last on.
     */
    void onInactive() {
        if (inactiveReported) {
            return;
        }
        inactiveReported = true;
        relay.discard();
        statements.close(); // the bytes of its statements go back to the budget of all servers' caches
        if (!loggedIn) {
            loginFailed(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "server closed the connection during login"));
            return;
        }
        closed = true;
        ClientConnection client = linkedClient();
        PooledClient borrower = client();
        pool().serverClosed(this);
        if (client != null) {
            client.serverLost(this, relay.sentFatal());
        } else if (borrower instanceof InternalServerUser internal) {
            internal.serverClosed(this);
        }
        if (connector.logDisconnections()) {
            log.info("{} closing because: {} (age={}s)", this, closeReason,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - createdNanos()));
        } else {
            log.debug("{} closed", this);
        }
    }

    static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
