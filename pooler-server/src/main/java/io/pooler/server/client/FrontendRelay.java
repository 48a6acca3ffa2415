package io.pooler.server.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.pooler.pool.Pool;
import io.pooler.pool.PooledServer;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.FramePart;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import io.pooler.protocol.UnnamedStatement;
import io.pooler.protocol.prepared.PendingRequest;
import io.pooler.protocol.prepared.ResponseTracker;
import io.pooler.protocol.prepared.StatementRewriter;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.listen.ExtendedListenBatch;
import io.pooler.server.listen.ListenerHubs;
import io.pooler.server.net.OutboundBatch;
import io.pooler.sql.DiscardAllCommand;
import io.pooler.sql.ListenCommand;
import io.pooler.sql.SessionPin;
import io.pooler.sql.SessionStateScanner;

import java.util.Map;

/**
 * The client-to-server half of a pool client's session (PgBouncer's {@code handle_client_work}):
 * one {@code handleXxx} per kind of message, the queue of messages waiting for a server, asking the
 * pool for one, and backpressure. Messages are bytes: a body is read only where it drives a decision
 * (the prepared-statement rewriter's Parse, Bind, Describe and Close). What needs no server is answered
 * by {@link LocalAnswers}; a multiplexed LISTEN by {@link MultiplexedListen}.
 *
 * <p>Transaction mode: this relay counts on the server the requests PostgreSQL answers with
 * ReadyForQuery (Query, Sync, FunctionCall, see {@link #countRequest}); the server counts the
 * ReadyForQuery messages it relays. {@link ClientConnection#serverReady} compares the two.
 *
 * <p>Threads: the client channel's event loop.
 */
final class FrontendRelay {
    private final ClientConnection client;
    private final Channel channel;
    private final Pool pool;
    /** Named prepared statements, in transaction and statement pooling; null when not tracked. */
    private final StatementRewriter statementRewriter;

    /**
     * Messages (whole frames or {@link FramePart}s) waiting for a server; this queue owns them. It holds
     * a deque only while something waits: an idle client should cost little.
     */
    private final PendingMessages pendingMessages = new PendingMessages();
    /**
     * A client waiting for a server is still read until this much waits in {@link #pendingMessages},
     * or until all waiting clients together are past the {@link #waitingBudget}; then reading stops until
     * the server comes. A client waits with one request most of the time, and stopping and resuming
     * reading for it would cost two epoll_ctl calls per wait (about a third of the system calls of a
     * transaction that waits).
     */
    static final int MAX_READ_WHILE_WAITING = 64 * 1024;
    private final WaitingBudget waitingBudget;
    private final OutboundBatch toServer = new OutboundBatch();
    private boolean waitingForServer;
    /** Parse/Bind/Execute/... were sent since the last Sync: the server is not free yet. */
    private boolean unsyncedExtended;
    /**
     * A streamed message has been relayed in part: its server must not go to anyone else before the
     * rest has reached it, whatever the server answered meanwhile.
     */
    private boolean midMessage;
    /**
     * What the pooler answers itself, without a server; null until the client's first Parse or Close with
     * no server, lone DISCARD ALL or multiplexed LISTEN (an idle client does not pay for it).
     */
    private LocalAnswers localAnswers;
    /**
     * Reading stopped at {@link ResponseTracker#MAX_QUEUED_ANSWERS} answers owed behind a running request;
     * {@link #owedAnswersWentOut} resumes it.
     */
    private boolean heldForOwedAnswers;
    /** Bytes received in the current read burst, added to the pool's stats at its end. */
    private long burstBytes;
    /** pin_on_session_state for this client's pool, in transaction and statement mode only. */
    private final boolean watchSessionState;
    /**
     * The session state this client left on its server, read from its statements; null until it first
     * leaves some or sends a text too long to scan (an idle client, or one that never pins, does not pay
     * for it).
     */
    private SessionStateWatch sessionState;
    /** listen_multiplex for this client's pool, in transaction and statement mode only. */
    private final boolean listenMultiplex;
    private final ListenerHubs listenerHubs;
    /**
     * Its LISTEN and UNLISTEN, answered by the pooler; null unless listenMultiplex, and until the client's
     * first LISTEN, UNLISTEN or Parse: an idle client, or one that speaks only the simple protocol as
     * psycopg2 does and never listens, does not pay for it.
     */
    private MultiplexedListen listen;

    FrontendRelay(ClientConnection client, Pool pool, StatementRewriter statementRewriter, ListenerHubs listenerHubs,
                  WaitingBudget waitingBudget) {
        this.client = client;
        this.waitingBudget = waitingBudget;
        this.channel = client.channel();
        this.pool = pool;
        this.statementRewriter = statementRewriter;
        this.listenerHubs = listenerHubs;
        boolean pooledPerTransaction = pool.settings().poolMode() != io.pooler.config.PoolMode.SESSION;
        this.watchSessionState = pooledPerTransaction && pool.settings().pinOnSessionState();
        this.listenMultiplex = pooledPerTransaction && pool.settings().listenMultiplex();
    }

    /** Its LISTEN and UNLISTEN, made at the first need (see {@link #listen}). */
    private MultiplexedListen listen() {
        if (listen == null) {
            listen = new MultiplexedListen(this, client, pool, listenerHubs);
        }
        return listen;
    }

    /** True when the extended-protocol LISTEN batch took {@code msg}; only a Parse makes the batch. */
    private boolean offerToExtendedListen(Object msg) {
        if (listen == null && !(msg instanceof ByteBuf frame && PgFrames.type(frame) == MessageType.PARSE)) {
            return false;
        }
        return listen().offerToExtendedBatch(msg);
    }

    /** The named statements the client holds (SHOW CLIENTS' prepared_statements). */
    int preparedStatementCount() {
        return statementRewriter == null ? 0 : statementRewriter.clientStatementCount();
    }

    private SessionStateWatch sessionState() {
        if (sessionState == null) {
            sessionState = new SessionStateWatch(client);
        }
        return sessionState;
    }

    /** The {@link SessionPin} bits of the state this client left on its server; 0 when none. */
    int sessionPins() {
        return sessionState == null ? 0 : sessionState.pins();
    }

    /** See {@link SessionStateWatch#inDoubt}: the server must be reset before it serves another client. */
    boolean stateInDoubt() {
        return sessionState != null && sessionState.inDoubt();
    }

    /** The server went back to the pool, reset. */
    void stateInDoubtResetDone() {
        if (sessionState != null) {
            sessionState.resetDone();
        }
    }

    boolean tracksStatements() {
        return statementRewriter != null;
    }

    /** The request that leaves nothing half-sent on the server: no Parse/Bind without Sync, no partial message. */
    boolean clean() {
        return !unsyncedExtended && !midMessage && pendingMessages.isEmpty();
    }

    boolean waitingForServer() {
        return waitingForServer;
    }

    /**
     * What may be streamed through unparsed: everything, except the messages the prepared-statement
     * rewriter must read whole when it is on.
     */
    PgFrameDecoder.StreamPolicy streamPolicy() {
        if (statementRewriter == null) {
            return type -> true;
        }
        return type -> type != MessageType.PARSE && type != MessageType.BIND
                && type != MessageType.DESCRIBE && type != MessageType.CLOSE;
    }

    /** Checks a message on arrival, before it can ask for a server. */
    void checkOnArrival(Object msg) {
        if (statementRewriter != null && msg instanceof ByteBuf frame) {
            StatementRewriter.check(frame);
        }
    }

    // ---- messages from the client ----

    /**
     * During login, before the welcome: queued, and nothing more is read until the welcome is sent.
     */
    void queueDuringLogin(Object msg) {
        pendingMessages.add(msg);
        channel.config().setAutoRead(false);
    }

    /** A message of a logged-in client (not Terminate, which the session handles); takes it over. */
    void handleMessage(Object msg) {
        if (listen != null && listen.awaiting()) {
            listen.hold(msg);
            return;
        }
        if (listenMultiplex && offerToExtendedListen(msg)) {
            return;
        }
        byte type = typeOf(msg);
        if (type == MessageType.FLUSH && client.server() == null && pendingMessages.isEmpty() && msg instanceof ByteBuf flush) {
            flush.release(); // nothing is pending anywhere: a Flush has nothing to flush, and takes no server
            channel.flush();
            return;
        }
        boolean first = startsMessage(msg);
        if (listenMultiplex && first && type == MessageType.QUERY && msg instanceof ByteBuf frame
                && listenAnswerStatus() != 0 && answeredListen(frame, listenAnswerStatus())) {
            return;
        }
        burstBytes += FramePart.bytesOf(msg).readableBytes();
        if (watchSessionState && first && type == MessageType.QUERY && msg instanceof ByteBuf frame
                && client.server() == null && DiscardAllCommand.isLoneQuery(frame)
                && localAnswers().answeredDiscardAll(frame, listen)) {
            return;
        }
        if (first) {
            client.startedQueryTimer().clientMessage(type == MessageType.QUERY || type == MessageType.SYNC
                    || type == MessageType.FUNCTION_CALL);
        }
        if (msg instanceof ByteBuf frame && (watchSessionState || (listen != null && listen.listening()))) {
            watchSessionState(frame);
        } else if (watchSessionState && first && msg instanceof FramePart
                && (type == MessageType.QUERY || type == MessageType.PARSE)) {
            sessionState().notScanned(); // a text too long to scan, streamed
        }
        PooledServer s = client.server();
        if (s == null && pendingMessages.isEmpty() && msg instanceof ByteBuf frame
                && answeredWithoutServer(frame, type)) {
            return;
        }
        if (s == null || !pendingMessages.isEmpty()) {
            pendingMessages.add(msg);
            requestServer();
            return;
        }
        forward((ServerConnection) s, msg);
    }

    // ---- LISTEN/UNLISTEN multiplexed (listen_multiplex) ----

    /**
     * A lone LISTEN/UNLISTEN between transactions is the pooler's to answer (listen_multiplex, see
     * {@link MultiplexedListen}): takes the frame and returns true; anything else is left alone.
     */
    private boolean answeredListen(ByteBuf frame, byte transactionStatus) {
        ListenCommand command = ListenCommand.parseQuery(frame);
        if (command == null) {
            return false;
        }
        frame.release();
        listen().answer(command, transactionStatus, null);
        return true;
    }

    /** The ReadyForQuery status an extended LISTEN batch is answered with; 0 when a server must answer. */
    byte extendedListenAnswerStatus() {
        return localAnswers != null && localAnswers.sinceSync() ? 0 : listenAnswerStatus();
    }

    /** The answer to a LISTEN or UNLISTEN the pooler ran itself ({@link LocalAnswers#answer}). */
    void answerLocally(ExtendedListenBatch.Answers answers, String tag, Map<String, String> reported,
                       byte transactionStatus) {
        localAnswers().answer(answers, tag, reported, transactionStatus, listen);
    }

    /**
     * After an answer the pooler gave itself: reading this client stops while its socket is full, and
     * resumes as it drains ({@link #resumeReading}). NOTE: these messages never reach a server, so no
     * server's full socket stops reading the client as for the rest: without this, a client that sends
     * them and never reads makes the pooler queue their answers without bound
     * (LocalAnswerBackpressureTest). What was written is flushed first: answers held for a Sync or Flush
     * never drain, and the channel would never be writable again.
     */
    void stopReadingWhileFull() {
        if (!channel.isWritable()) {
            channel.flush();
            channel.config().setAutoRead(false);
        }
    }

    private LocalAnswers localAnswers() {
        if (localAnswers == null) {
            localAnswers = new LocalAnswers(this, client, pool, statementRewriter);
        }
        return localAnswers;
    }

    /**
     * A Parse of a statement some server already parsed, a Close, or the Sync or Flush after only such
     * messages, answered without a server ({@link LocalAnswers#answeredWithoutServer}). Only a Parse or
     * a Close can begin such a run, so another message finds nothing to do until one has.
     */
    private boolean answeredWithoutServer(ByteBuf frame, byte type) {
        if (statementRewriter == null
                || (localAnswers == null && type != MessageType.PARSE && type != MessageType.CLOSE)) {
            return false;
        }
        return localAnswers().answeredWithoutServer(frame, type);
    }

    /**
     * Reading that backpressure stopped resumes, unless something still holds it: a wait for a server
     * ({@link #linked} resumes it) or for the listener, this client's full socket, its server's full
     * socket, or {@link ResponseTracker#MAX_QUEUED_ANSWERS} answers owed behind a running request. The
     * session calls this when its socket or its server's drains, and when owed answers went out.
     */
    void resumeReading() {
        if (mayRead() && !channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
    }

    /** The server's answers let the answers owed behind them go: reading stopped for them resumes. */
    void owedAnswersWentOut() {
        if (heldForOwedAnswers) {
            heldForOwedAnswers = false;
            resumeReading();
        }
    }

    private boolean mayRead() {
        if (waitingForServer || (listen != null && listen.awaiting()) || !channel.isWritable()) {
            return false;
        }
        return !(client.server() instanceof ServerConnection server)
                || (server.channel().isWritable() && !server.tracker().tooManyQueuedAnswers());
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
        PooledServer s = client.server();
        boolean idleInTransaction = pendingMessages.isEmpty() && !midMessage
                && s instanceof ServerConnection server && nothingOutstanding(server)
                && server.transactionStatus() == BackendMessages.TX_IN_TRANSACTION;
        return idleInTransaction ? BackendMessages.TX_IN_TRANSACTION : 0;
    }

    /**
     * No transaction of this client is under way: no server, or a server that is idle with nothing
     * outstanding (just before it goes back to the pool, or kept by a pinned client), and nothing
     * waiting to be sent.
     */
    boolean betweenTransactions() {
        if (!pendingMessages.isEmpty() || midMessage || (listen != null && listen.holdingExtendedBatch())) {
            return false;
        }
        PooledServer s = client.server();
        return s == null || (s instanceof ServerConnection server && nothingOutstanding(server)
                && server.transactionStatus() == BackendMessages.TX_IDLE);
    }

    /** The client's channel became writable: notifications that waited for its socket go out, reading resumes. */
    void clientWritable() {
        if (listen != null) {
            listen.clientWritable();
        }
        resumeReading();
    }

    /** A transaction ended: notifications held meanwhile go to the client (PostgreSQL, too, delivers them now). */
    void betweenTransactionsNow() {
        if (listen != null) {
            listen.flushHeldNotifications();
        }
    }

    /**
     * Scans a Query's or Parse's text on arrival, before it can be answered without a server, for
     * session state (see SessionStateScanner), and for what ends a multiplexed subscription: DISCARD ALL
     * or UNLISTEN * sent to a server (alone or in a longer query) ends its subscriptions too. One scan
     * reports both. Texts longer than the streaming threshold arrive in parts and are not scanned: their
     * server is reset before the next client instead ({@link SessionStateWatch#notScanned}).
     */
    private void watchSessionState(ByteBuf frame) {
        long scan = SessionStateScanner.scanMessage(client.parameters().tracked(), sessionPins(), frame);
        if (listen != null && listen.listening() && SessionPin.LISTEN.isIn(SessionStateScanner.clearedOf(scan))) {
            listen.unlistenAll();
        }
        // A scan of 0 pins nothing and clears nothing: with no state held so far, nothing changes.
        if (watchSessionState && (scan != 0 || sessionState != null)) {
            sessionState().scanned(scan);
        }
    }

    /** What was batched for the server goes out: for work done outside a read burst, which flushes at its end. */
    void flushToServer() {
        toServer.flush();
    }

    /**
     * The end of a read burst: one flush, the bytes counted, and backpressure: a slow server stops us
     * reading this client until it drains. Returns true when something was read.
     */
    boolean endOfReadBurst() {
        toServer.flush();
        boolean read = burstBytes > 0;
        if (read) {
            pool.stats().received(burstBytes);
            burstBytes = 0;
        }
        if (client.server() instanceof ServerConnection server && !server.channel().isWritable()) {
            channel.config().setAutoRead(false);
        }
        return read;
    }

    /**
     * Relays one message, or one part of a streamed one, to the linked server; takes it over. A
     * malformed message (the rewriter checks before it consumes) is answered with 08P01 here.
     */
    private void forward(ServerConnection server, Object msg) {
        byte type = typeOf(msg);
        boolean first = startsMessage(msg);
        if (first && nothingOutstanding(server) && client.parameters().takeDirty()) {
            applyParameters(server);
        }
        if (first && !keepUnnamedStatementOwn(server, msg, type)) {
            ReferenceCountUtil.release(msg);
            client.disconnect("unnamed prepared statement does not exist", SqlState.INVALID_SQL_STATEMENT_NAME);
            return;
        }
        if (msg instanceof FramePart part) {
            midMessage = !part.last();
        }
        if (first) {
            countRequest(server, type);
        }
        if (statementRewriter == null) {
            if (first) {
                expectAnswer(server, type);
            }
            toServer.add(server.channel(), FramePart.bytesOf(msg));
        } else if (msg instanceof FramePart part) {
            handleStreamedPart(server, part, first, type);
        } else {
            handleTrackedFrame(server, (ByteBuf) msg);
        }
    }

    /**
     * Where an internal query may go before the client's next message: nothing of the client's is
     * outstanding on the server, and no extended-protocol batch is open. An internal query's answer is
     * swallowed up to the first ReadyForQuery, so sent behind a request still running it would swallow
     * the end of that request's answer instead; and a simple Query inside a batch would end the batch
     * and drop its unnamed statement. (The SET after a RESET or DISCARD ALL and the empty query that drops
     * another client's unnamed statement wait for this.)
     */
    private boolean nothingOutstanding(ServerConnection server) {
        return !unsyncedExtended && server.outstandingRequests() == 0;
    }

    /**
     * The unnamed prepared statement a server holds is the client's that parsed it (PostgreSQL keeps it
     * until the next Parse of it or simple Query; see {@link UnnamedStatement}). A client that uses it
     * without having made it, while it is another client's, must not run that client's statement: at
     * the start of a batch, with nothing of its own outstanding, an internal empty query drops it first,
     * and PostgreSQL answers the client as on a fresh connection (26000). Mid-batch that query would end
     * the client's batch, so the client is refused instead (false), as it is when its own Parse of it is
     * in an earlier batch that has not been answered to its end (PostgreSQL may yet skip or fail that
     * Parse and keep the old statement; see UnnamedStatementOwner). Checked before the request is counted.
     */
    private boolean keepUnnamedStatementOwn(ServerConnection server, Object msg, byte type) {
        ByteBuf bytes = FramePart.bytesOf(msg);
        if (type == MessageType.QUERY) {
            server.simpleQueryForwarded(); // PostgreSQL drops it as a simple Query starts
        } else if (type == MessageType.PARSE && UnnamedStatement.createdBy(bytes)) {
            server.unnamedStatementParsed(client.id());
        } else if (!server.unnamedStatementIsOwnedBy(client.id()) && UnnamedStatement.usedBy(bytes, !(msg instanceof FramePart))) {
            if (!nothingOutstanding(server)) {
                return false;
            }
            toServer.add(server.channel(), server.forgetUnnamedStatementFrame());
        }
        return true;
    }

    /** NOTE: counted before the message can be flushed, so its answer can never be counted first. */
    private void countRequest(ServerConnection server, byte type) {
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

    /**
     * Without the rewriter, the server's tracker still follows each batch, message by message, so that a
     * Query PostgreSQL skips behind an error in its batch is seen (QueryInsideABatchTest).
     */
    private static void expectAnswer(ServerConnection server, byte type) {
        PendingRequest request = switch (type) {
            case MessageType.PARSE -> PendingRequest.PARSE;
            case MessageType.BIND -> PendingRequest.BIND;
            case MessageType.DESCRIBE -> PendingRequest.DESCRIBE;
            case MessageType.EXECUTE -> PendingRequest.EXECUTE;
            case MessageType.CLOSE -> PendingRequest.CLOSE;
            case MessageType.SYNC -> PendingRequest.SYNC;
            case MessageType.QUERY, MessageType.FUNCTION_CALL -> PendingRequest.QUERY;
            default -> null; // Flush, COPY data: no response of their own
        };
        if (request != null) {
            server.tracker().expect(request);
        }
    }

    /** Streamed: never a message the rewriter changes. A Query or FunctionCall ends in a ReadyForQuery. */
    private void handleStreamedPart(ServerConnection server, FramePart part, boolean first, byte type) {
        if (first && (type == MessageType.QUERY || type == MessageType.FUNCTION_CALL)) {
            server.tracker().expect(PendingRequest.QUERY);
        }
        toServer.add(server.channel(), part.content());
    }

    /** A whole frame with the prepared-statement rewriter on: it renames, drops or answers it. */
    private void handleTrackedFrame(ServerConnection server, ByteBuf frame) {
        try {
            // Malformed messages were refused on arrival (StatementRewriter.check); what can still
            // be refused here is a client over MAX_CLIENT_STATEMENTS or the StatementBudget.
            statementRewriter.forward(frame, server, f -> toServer.add(server.channel(), f));
        } catch (ProtocolException e) {
            frame.release(); // the rewriter checks before it consumes: still ours
            client.onProtocolError(e);
            return;
        }
        if (server.tracker().answerIsDue()) {
            toServer.flush();
            server.sendAnswersDue(); // which stops reading while the client is full (stopReadingWhileFull)
        } else if (server.tracker().tooManyQueuedAnswers()) {
            heldForOwedAnswers = true;
            channel.config().setAutoRead(false); // until the server's answers let them go
        }
    }

    // ---- getting a server ----

    /** After the welcome: messages sent during login ask for their server now. */
    void requestServerIfPending() {
        if (!pendingMessages.isEmpty()) {
            requestServer();
        }
    }

    /**
     * Messages are queued until a server is linked. A server assigned meanwhile by another loop
     * arrives as a task after this, in {@link #linked}.
     */
    private void requestServer() {
        if (!waitingForServer) {
            waitingForServer = true;
            PooledServer s = pool.findServer(client);
            if (s != null) {
                linked((ServerConnection) s);
            }
        }
        if (waitingForServer) {
            countWhileWaiting();
        }
    }

    /**
     * The client still waits: what it queued is counted in the {@link #waitingBudget}, and reading it
     * stops when it has queued {@link #MAX_READ_WHILE_WAITING}, or when all waiting clients are past the
     * budget. A client that got a server at once never gets here, so never touches the shared counter.
     */
    private void countWhileWaiting() {
        long uncounted = pendingMessages.uncounted();
        boolean overBudget = uncounted > 0 && waitingBudget.take(uncounted);
        pendingMessages.counted(uncounted);
        if ((overBudget || pendingMessages.bytes() > MAX_READ_WHILE_WAITING) && !client.isRejecting()) {
            channel.config().setAutoRead(false);
        }
    }

    /** The pool linked {@code server} to this client: the queued messages go to it, reading resumes. */
    void linked(ServerConnection server) {
        waitingForServer = false;
        waitingBudget.giveBack(pendingMessages.takeCounted());
        unsyncedExtended = false;
        midMessage = false;
        server.beginLink(statementRewriter != null);
        applyParameters(server);
        while (!pendingMessages.isEmpty() && client.server() == server && !client.isRejecting()) {
            forward(server, pendingMessages.poll());
        }
        toServer.flush();
        resumeReading();
    }

    /**
     * Brings the server's session parameters in line with this client's before its own messages: the
     * SET goes into the same batch, so the two reach PostgreSQL in one write.
     */
    private void applyParameters(ServerConnection server) {
        ClientParameters parameters = client.parameters();
        Map<String, String> wanted = parameters.wanted();
        if (server.parametersMatch(wanted)) {
            return; // the last comparison with these very values found them equal, and none changed since
        }
        String sql = parameters.tracked().applySql(wanted, server.parameters());
        if (sql != null) {
            toServer.add(server.channel(), server.parameterSetFrame(sql));
        } else {
            server.parametersMatched(wanted);
        }
    }

    /**
     * The client is gone: what it queued or held is released, what was batched dropped, its LISTENs end,
     * and its named statements' bytes go back to the budget.
     */
    void discard() {
        waitingBudget.giveBack(pendingMessages.takeCounted());
        pendingMessages.forEach(ReferenceCountUtil::release);
        pendingMessages.clear();
        if (listen != null) {
            listen.discard();
        }
        toServer.discard();
        if (statementRewriter != null) {
            statementRewriter.clientClosed();
        }
    }

    // ---- message shapes: a whole frame, or a part of a streamed one ----

    static boolean startsMessage(Object msg) {
        return !(msg instanceof FramePart part) || part.first();
    }

    static byte typeOf(Object msg) {
        return msg instanceof FramePart part ? part.type() : PgFrames.type((ByteBuf) msg);
    }
}
