package io.pooler.server.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.pool.Pool;
import io.pooler.pool.PooledClient;
import io.pooler.pool.PooledServer;
import io.pooler.pool.ServerState;
import io.pooler.protocol.BackendMessageCheck;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.FramePart;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import io.pooler.protocol.prepared.ResponseTracker;
import io.pooler.protocol.prepared.ServerStatements;
import io.pooler.protocol.prepared.StatementRewriter;
import io.pooler.server.client.ClientConnection;
import io.pooler.server.net.OutboundBatch;
import io.pooler.stats.ErrorKind;
import io.pooler.stats.QueryTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection from the pooler to PostgreSQL: it logs in, then relays the server's messages to
 * whichever client it is linked to, watching only ReadyForQuery, ParameterStatus, CommandComplete
 * tags and errors.
 *
 * <p>Threads: owned by {@link #eventLoop()}. Fields a linked client reads from its own loop are
 * atomic or volatile: {@link #readyForClient}, {@link #transactionStatus}, {@link #parameters},
 * {@link #internalQueries}.
 *
 * <p>Internal queries (the reset query, the SETs that bring the session in line with a client's
 * parameters) are answered like any query; their replies are swallowed up to and including their
 * ReadyForQuery, counted by {@link #internalQueries}.
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

    private final long id = IDS.incrementAndGet();
    private final BackendConnector connector;
    private final EventLoop loop;
    private final BackendTarget target;
    private final Duration connectTimeout;
    private final String resetQuery;

    private Channel channel;
    /** The connect under way (host list, DNS, failover; see ServerDial), before {@link #channel} is set. */
    private ServerDial dial;
    private ServerAuthenticator authenticator;
    private boolean loggedIn;
    private boolean closed;
    private ScheduledFuture<?> loginTimer;
    private int backendProcessId;
    private int backendSecretKey;
    private final OutboundBatch toClient = new OutboundBatch();
    private ClientConnection notifyReady;
    private boolean resetSeen;
    /** Why the connection ends, for log_disconnections; the server's own doing unless close() said otherwise. */
    private String closeReason = "server closed the connection";
    /** Where the rest of a streamed message goes (the linked client's channel), or null to drop it. */
    private Channel streamTarget;
    /** Set when the server's last message was a FATAL error, so the client is not told twice. */
    private volatile boolean sentFatal;

    private final Map<String, String> parameters = new ConcurrentHashMap<>();
    private final AtomicLong readyForClient = new AtomicLong();
    /** Named prepared statements on this server (transaction pooling). */
    private final ServerStatements statements = new ServerStatements();
    private final ResponseTracker tracker = new ResponseTracker(statements);
    /** The linked client's statements are tracked (transaction/statement pooling); set at link. */
    private volatile boolean tracking;
    private final AtomicLong requestsFromClient = new AtomicLong();
    private volatile long busySinceNanos;
    private volatile long lastReadyNanos = System.nanoTime();
    /** Cancel requests on their way to this server; guarded by {@code this}. */
    private int cancelsInFlight;
    /** Set once the linked client gives this server back; guarded by {@code this}. */
    private boolean releasing;
    /** What to retry once the last cancel is done; guarded by {@code this}. */
    private Runnable afterCancels;
    /** An internal query (reset or check) failed: close rather than reuse. */
    private boolean internalQueryFailed;
    private final AtomicInteger internalQueries = new AtomicInteger();
    private volatile byte transactionStatus = BackendMessages.TX_IDLE;

    // ---- stats and SHOW SERVERS ----
    private final long connectedAtMillis = System.currentTimeMillis();
    private volatile long lastUsedMillis = connectedAtMillis;
    /** Bytes relayed to the client in the current read burst, added to the pool's stats at its end. */
    private long burstBytesSent;

    ServerConnection(Pool pool, BackendConnector connector, EventLoop loop, BackendTarget target,
                     Duration connectTimeout, String resetQuery) {
        super(pool);
        this.connector = connector;
        this.loop = loop;
        this.target = target;
        this.connectTimeout = connectTimeout;
        this.resetQuery = resetQuery;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
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

    /** The server session's current values of the parameters PostgreSQL reports. */
    public Map<String, String> parameters() {
        return parameters;
    }

    /** ReadyForQuery messages relayed to the linked client since it was linked. */
    public long readyForClient() {
        return readyForClient.get();
    }

    public byte transactionStatus() {
        return transactionStatus;
    }

    public boolean hasInternalQuery() {
        return internalQueries.get() > 0;
    }

    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    /** When a client was last linked to it (SHOW SERVERS' request_time). */
    public long lastUsedMillis() {
        return lastUsedMillis;
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

    // ---- connecting and logging in ----

    @Override
    protected void connect() {
        dial = connector.open(this, loop, new Handler());
        dial.future().addListener(f -> {
            if (!f.isSuccess()) {
                loginFailed(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE,
                        "server connection failed: " + describe(f.cause())));
            }
        });
    }

    private void onConnected(ChannelHandlerContext ctx) {
        if (closed) {
            ctx.close(); // closed while the TCP connect was under way: the pool has forgotten it already
            return;
        }
        channel = ctx.channel();
        authenticator = new ServerAuthenticator(target);
        loginTimer = loop.schedule(() -> {
            if (!loggedIn) {
                loginFailed(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "server login timed out (server_connect_timeout)"));
            }
        }, Math.max(1, connectTimeout.toMillis()), TimeUnit.MILLISECONDS);
        connector.negotiateTls(this).addListener(f -> {
            if (f.isSuccess()) {
                sendStartupMessage(ctx);
            } else {
                loginFailed(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, describe(f.cause())));
            }
        });
    }

    /** After server_tls_sslmode's SSLRequest, if any, was answered: the StartupMessage, over TLS or not. */
    private void sendStartupMessage(ChannelHandlerContext ctx) {
        if (closed || !channel.isActive()) {
            return;
        }
        ctx.writeAndFlush(io.pooler.protocol.FrontendMessages.startupMessage(ctx.alloc(), target.startupParameters()));
    }

    private void handleLoginMessage(ChannelHandlerContext ctx, ByteBuf frame) {
        try {
            switch (PgFrames.type(frame)) {
                case MessageType.AUTHENTICATION -> {
                    ByteBuf reply = authenticator.respond(ctx.alloc(), frame);
                    if (reply != null) {
                        ctx.writeAndFlush(reply);
                    }
                }
                case MessageType.PARAMETER_STATUS -> rememberParameter(frame);
                case MessageType.BACKEND_KEY_DATA -> {
                    ByteBuf body = PgFrames.body(frame);
                    backendProcessId = body.getInt(body.readerIndex());
                    backendSecretKey = body.getInt(body.readerIndex() + 4);
                }
                case MessageType.ERROR_RESPONSE -> loginFailed(ErrorResponse.parseBody(PgFrames.body(frame)));
                case MessageType.READY_FOR_QUERY -> loginSucceeded();
                case MessageType.NOTICE_RESPONSE, MessageType.NEGOTIATE_PROTOCOL_VERSION -> {
                }
                default -> loginFailed(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                        "unexpected message '" + (char) PgFrames.type(frame) + "' from server during login"));
            }
        } catch (ServerLoginException e) {
            loginFailed(e.error());
        }
    }

    private void loginSucceeded() {
        loggedIn = true;
        loginTimer.cancel(false);
        if (connector.logConnections()) {
            log.info("{} new connection to server (from {})", this, describe(channel.localAddress()));
        } else {
            log.debug("{} login done", this);
        }
        pool().serverLoggedIn(this, Map.copyOf(parameters));
    }

    private void loginFailed(ErrorResponse error) {
        if (loggedIn || closed) {
            return;
        }
        closed = true;
        if (loginTimer != null) {
            loginTimer.cancel(false);
        }
        log.warn("{} login failed: {}", this, error.message());
        pool().stats().errors().count(ErrorKind.SERVER_CONNECTION);
        pool().serverLoginFailed(this, error);
        if (channel != null) {
            channel.close();
        }
    }

    // ---- relaying ----

    /**
     * The client just got this server: counting starts afresh. Called on the client's loop while
     * the server is quiet (idle or just logged in), so nothing races with it.
     */
    public void beginLink(boolean trackStatements) {
        synchronized (this) {
            releasing = false;
        }
        tracking = trackStatements;
        // NOTE: reading may have been paused for the previous client (backpressure), which can have
        // left without draining; a server always starts a link reading, or its answers would be lost.
        channel.config().setAutoRead(true);
        tracker.reset();
        readyForClient.set(0);
        requestsFromClient.set(0);
        resetSeen = false;
        lastUsedMillis = System.currentTimeMillis();
    }

    /**
     * The linked client sent a message PostgreSQL answers with ReadyForQuery (Query, Sync,
     * FunctionCall). Called on the client's loop.
     */
    public void requestSent() {
        if (requestsFromClient.get() == readyForClient.get()) {
            busySinceNanos = System.nanoTime();
        }
        requestsFromClient.incrementAndGet();
    }

    /** Requests of the linked client PostgreSQL has not answered yet. */
    public long outstandingRequests() {
        return requestsFromClient.get() - readyForClient.get();
    }

    /** Since when the oldest unanswered request has been running (meaningful while outstanding). */
    public long busySinceNanos() {
        return busySinceNanos;
    }

    /** When PostgreSQL last said it was ready for a query. */
    public long lastReadyNanos() {
        return lastReadyNanos;
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
                tracker.answerDue(channel.alloc(), f -> toClient.add(client.channel(), f));
                toClient.flush();
            }
        });
    }

    // ---- cancel requests in flight ----

    /**
     * A CancelRequest from {@code client} is about to go to this server. Refused when the server is
     * no longer that client's, or is being given back: the cancel would hit somebody else's query.
     */
    public synchronized boolean tryStartCancel(PooledClient client) {
        if (releasing || client() != client) {
            return false;
        }
        cancelsInFlight++;
        return true;
    }

    /** A cancel request to this server is done (its connection closed); on the server's loop. */
    public void cancelFinished() {
        Runnable retry;
        synchronized (this) {
            cancelsInFlight--;
            if (cancelsInFlight > 0) {
                return;
            }
            pool().cancelsDone(this);
            if (afterCancels == null) {
                return;
            }
            retry = afterCancels;
            afterCancels = null;
        }
        retry.run();
    }

    /**
     * The linked client wants to give this server back. True if it may now; false while a cancel
     * request to it is in flight, in which case {@code retry} runs when the last one is done.
     * NOTE: a server being cancelled is handed to nobody else until the cancel has reached PostgreSQL.
     */
    public synchronized boolean tryBeginRelease(Runnable retry) {
        if (cancelsInFlight > 0) {
            afterCancels = retry;
            pool().serverBeingCanceled(this);
            return false;
        }
        releasing = true;
        return true;
    }

    /**
     * Sends a query whose replies nobody sees; any thread. The caller writes it before any client
     * message that must follow it, so ordering holds on the wire.
     */
    public void sendInternalQuery(String sql) {
        internalQueries.incrementAndGet();
        channel.writeAndFlush(PgFrames.simpleQuery(channel.alloc(), sql), channel.voidPromise());
    }

    /**
     * The linked client left while the session was clean: run server_reset_query (when asked to), then
     * go back to the pool. Any thread.
     */
    public void resetAndRelease(boolean runResetQuery) {
        loop.execute(() -> {
            if (closed || !tryBeginRelease(() -> resetAndRelease(runResetQuery))) {
                return;
            }
            channel.config().setAutoRead(true);
            if (!runResetQuery || resetQuery.isBlank()) {
                pool().releaseServer(this);
                return;
            }
            pool().serverNeedsReset(this);
            sendInternalQuery(resetQuery);
        });
    }

    private void relay(ByteBuf frame) {
        byte type = PgFrames.type(frame);
        if (type == MessageType.PARAMETER_STATUS) {
            relayParameterStatus(frame);
            return;
        }
        if (type == MessageType.READY_FOR_QUERY) {
            transactionStatus = BackendMessages.transactionStatus(frame);
            lastReadyNanos = System.nanoTime();
            if (internalQueries.get() > 0) {
                frame.release();
                internalQueryDone();
                return;
            }
        } else if (internalQueries.get() > 0) {
            if (type == MessageType.COMMAND_COMPLETE) {
                noteResetCommand(frame);
            }
            if (type == MessageType.ERROR_RESPONSE) {
                internalQueryFailed = true;
                log.warn("{} internal query failed: {}", this, ErrorResponse.parseBody(PgFrames.body(frame)));
            }
            frame.release();
            return;
        }
        if (client() instanceof InternalServerUser internal) {
            internal.serverMessage(this, frame);
            return;
        }
        ClientConnection client = linkedClient();
        if (client == null) {
            unexpectedWhileUnlinked(frame);
            return;
        }
        if (!client.channel().isActive()) {
            frame.release(); // the client left; its cleanup closes or resets this server
            return;
        }
        switch (type) {
            case MessageType.READY_FOR_QUERY -> {
                readyForClient.incrementAndGet();
                resetSeen = false;
                notifyReady = client;
                queryEnded(client);
            }
            case MessageType.COMMAND_COMPLETE -> noteResetCommand(frame);
            case MessageType.ERROR_RESPONSE -> sentFatal = ErrorResponse.parseBody(PgFrames.body(frame)).isFatal();
            default -> {
            }
        }
        burstBytesSent += frame.readableBytes();
        if (tracking) {
            relayTracked(client, type, frame);
        } else {
            toClient.add(client.channel(), frame);
        }
    }

    /** Transaction pooling with named statements: the pooler's own answers go in their place. */
    private void relayTracked(ClientConnection client, byte type, ByteBuf frame) {
        Channel peer = client.channel();
        if (tracker.onServerMessage(type, channel.alloc(), f -> toClient.add(peer, f))) {
            toClient.add(peer, frame);
        } else {
            frame.release();
        }
        tracker.answerDue(channel.alloc(), f -> toClient.add(peer, f));
    }

    /** SHOW STATS: the ReadyForQuery just relayed may end the client's query and transaction. */
    private void queryEnded(ClientConnection client) {
        QueryTimer timer = client.queryTimer();
        if (timer != null) {
            timer.readyForQuery(transactionStatus);
        }
    }

    /**
     * DISCARD ALL and RESET put parameters back to the server's defaults; on a direct connection they
     * would go back to what the client asked for at startup, so that is what the client keeps.
     */
    private void noteResetCommand(ByteBuf frame) {
        ByteBuf body = PgFrames.body(frame);
        String tag = body.toString(body.readerIndex(), Math.max(0, body.readableBytes() - 1), StandardCharsets.US_ASCII);
        if (tag.equals("RESET") || tag.equals("DISCARD ALL")) {
            resetSeen = true;
        }
        if (tag.equals("DISCARD ALL") || tag.equals("DEALLOCATE ALL")) {
            tracker.statementsDiscarded(); // the pooler's prepared statements are gone too
        }
    }

    private void relayParameterStatus(ByteBuf frame) {
        ByteBuf body = PgFrames.body(frame).duplicate();
        String name = PgFrames.readCString(body);
        String value = PgFrames.readCString(body);
        parameters.put(name, value);
        ClientConnection client = linkedClient();
        if (internalQueries.get() > 0 || client == null) {
            frame.release();
            return;
        }
        String clientValue = client.serverReportedParameter(name, value, resetSeen);
        if (clientValue.equals(value)) {
            toClient.add(client.channel(), frame);
        } else {
            frame.release();
            toClient.add(client.channel(), BackendMessages.parameterStatus(channel.alloc(), name, clientValue));
        }
    }

    private void rememberParameter(ByteBuf frame) {
        ByteBuf body = PgFrames.body(frame).duplicate();
        String name = PgFrames.readCString(body);
        parameters.put(name, PgFrames.readCString(body));
    }

    /** The reset or check query finished: a clean server goes back to the pool, a failed one closes. */
    private void internalQueryDone() {
        if (internalQueries.decrementAndGet() == 0 && state() == ServerState.TESTED) {
            if (internalQueryFailed) {
                close("reset or check query failed");
            } else {
                pool().releaseServer(this);
            }
        }
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

    private void unexpectedWhileUnlinked(ByteBuf frame) {
        byte type = PgFrames.type(frame);
        if (type == MessageType.ERROR_RESPONSE) {
            ErrorResponse error = ErrorResponse.parseBody(PgFrames.body(frame));
            log.info("{} server sent error while idle: {}", this, error);
            if (error.isFatal()) {
                close("server error: " + error.message());
            }
        } else if (type != MessageType.NOTICE_RESPONSE && type != MessageType.NOTIFICATION_RESPONSE) {
            log.warn("{} unexpected message '{}' while idle, closing", this, (char) type);
            close("unexpected message from server");
        }
        frame.release();
    }

    /**
     * A part of a long DataRow, CopyData or FunctionCallResponse (see {@link #STREAMED}). The first part
     * decides where the whole message goes, as {@link #relay} decides for a whole one; the others follow.
     */
    private void relayPart(FramePart part) {
        if (part.first()) {
            streamTarget = streamDestination(part.type());
        }
        Channel target = streamTarget;
        if (part.last()) {
            streamTarget = null;
        }
        if (target == null || !target.isActive()) {
            part.release();
            return;
        }
        burstBytesSent += part.content().readableBytes();
        toClient.add(target, part.content());
        if (part.last() && tracking) {
            tracker.answerDue(channel.alloc(), f -> toClient.add(target, f));
        }
    }

    private Channel streamDestination(byte type) {
        if (internalQueries.get() > 0) {
            return null; // part of an internal query's reply: swallowed like the rest of it
        }
        ClientConnection client = linkedClient();
        if (client == null) {
            // Nobody linked (or an auth_query lookup, which expects one short row): not a reply to anyone.
            log.warn("{} unexpected long '{}' message while not relaying, closing", this, (char) type);
            close("unexpected message from server");
            return null;
        }
        if (tracking) {
            Channel peer = client.channel();
            tracker.onServerMessage(type, channel.alloc(), f -> toClient.add(peer, f));
        }
        return client.channel();
    }

    /** The server broke the protocol: it is closed, and its client told as when a server crashes. */
    private void protocolErrorFromServer(ProtocolException e) {
        log.warn("{} protocol error from server: {}", this, e.getMessage());
        closeReason = "protocol error from server";
        if (channel != null) {
            channel.close();
        }
    }

    private ClientConnection linkedClient() {
        PooledClient client = client();
        return client instanceof ClientConnection c ? c : null;
    }

    private void endOfReadBurst() {
        toClient.flush();
        if (burstBytesSent > 0) {
            pool().stats().sent(burstBytesSent);
            burstBytesSent = 0;
        }
        ClientConnection client = notifyReady;
        notifyReady = null;
        if (client != null) {
            client.serverReady(this);
        }
        ClientConnection linked = linkedClient();
        if (linked != null && linked.channel().isActive() && !linked.channel().isWritable()) {
            // Backpressure: stop reading from PostgreSQL until the client drains; the client's
            // writability event turns reading back on.
            channel.config().setAutoRead(false);
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

    private void onInactive() {
        toClient.discard();
        if (!loggedIn) {
            loginFailed(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "server closed the connection during login"));
            return;
        }
        closed = true;
        ClientConnection client = linkedClient();
        PooledClient borrower = client();
        pool().serverClosed(this);
        if (client != null) {
            client.serverLost(this, sentFatal);
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

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }

    /** The Netty side: events of this connection's channel, on its event loop. */
    final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            onConnected(ctx);
        }

        /** Ownership as in {@code io.pooler.protocol}: each message is relayed or released once, here or below. */
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FramePart part) {
                if (loggedIn) {
                    relayPart(part);
                } else {
                    part.release();
                    loginFailed(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                            "unexpected message '" + (char) part.type() + "' from server during login"));
                }
                return;
            }
            if (!(msg instanceof ByteBuf frame)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!loggedIn) {
                try {
                    BackendMessageCheck.check(frame);
                    handleLoginMessage(ctx, frame);
                } catch (ProtocolException e) {
                    loginFailed(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, e.getMessage()));
                } finally {
                    frame.release();
                }
                return;
            }
            try {
                BackendMessageCheck.check(frame);
            } catch (ProtocolException e) {
                frame.release();
                protocolErrorFromServer(e);
                return;
            }
            relay(frame);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            endOfReadBurst();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            onInactive();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ClientConnection client = linkedClient();
            if (client != null && ctx.channel().isWritable()) {
                client.serverWritable();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable root = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
                    ? cause.getCause() : cause;
            if (root instanceof ProtocolException) {
                log.warn("{} protocol error from server: {}", ServerConnection.this, root.getMessage());
            } else {
                log.info("{} connection error: {}", ServerConnection.this, describe(root));
            }
            ctx.close();
        }
    }
}
