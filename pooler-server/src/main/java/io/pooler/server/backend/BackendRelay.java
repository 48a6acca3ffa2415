package io.pooler.server.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.pooler.protocol.BackendMessageCheck;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.FramePart;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.prepared.ResponseTracker;
import io.pooler.server.client.ClientConnection;
import io.pooler.server.net.OutboundBatch;
import io.pooler.stats.QueryTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * The server-to-client half (PgBouncer's {@code handle_server_work}): relays what PostgreSQL sends to
 * the linked client as bytes, parsing only what drives a decision: ReadyForQuery (the transaction
 * status, and maybe a transaction ended: {@link ClientConnection#serverReady}), ParameterStatus
 * (the client sees its own values), CommandComplete tags (RESET, DISCARD ALL, DEALLOCATE [ALL], matched
 * as bytes) and ErrorResponse. Replies to internal queries are swallowed.
 *
 * <p>Messages come as runs (all the whole messages of a read, back to back in one buffer) and are
 * handled in place: those that go to the client unchanged stay ranges of the run and are joined into
 * one write, so a reply of RowDescription, DataRows, CommandComplete and ReadyForQuery costs one slice
 * and one write instead of one per message. Only a message handed on whole (to an internal user, or an
 * error the tracker may rename) is sliced out.
 *
 * <p>Threads: the server channel's event loop. Writes to the client are batched and flushed once
 * at the end of the read burst.
 */
final class BackendRelay {
    private static final Logger log = LoggerFactory.getLogger(BackendRelay.class);

    private final ServerConnection server;
    private final InternalQueries internalQueries;
    private final OutstandingRequests requests;
    private final ResponseTracker tracker;
    private final UnnamedStatementOwner unnamedStatement;
    private final OutboundBatch toClient = new OutboundBatch();
    /** The client to tell, at the end of the burst, that a ReadyForQuery reached it. */
    private ClientConnection notifyReady;
    /** A RESET or DISCARD ALL ran since the last ReadyForQuery: parameters went back to defaults. */
    private boolean resetSeen;
    /** Where the rest of a streamed message goes (the linked client's channel), or null to drop it. */
    private Channel streamTarget;
    /** Set when the server's last message was a FATAL error, so the client is not told twice. */
    private volatile boolean sentFatal;
    /**
     * The server sent a FATAL error. PostgreSQL closes the session right after one, so nothing the
     * server sends after it is relayed, and the pooler closes it at the end of the read burst (after the
     * FATAL itself has gone out): a server that went on talking must not see its ReadyForQuery put it
     * back in the pool, nor keep its client open.
     */
    private boolean fatalReceived;
    /** The FATAL's message until the close is asked for at the end of its burst. */
    private String fatalMessage;
    /** The client channel {@link #answers} writes to; see {@link #answersTo}. */
    private Channel answersPeer;
    private Consumer<ByteBuf> answers;
    /** Bytes relayed to the client in the current read burst, added to the pool's stats at its end. */
    private long burstBytesSent;

    BackendRelay(ServerConnection server, InternalQueries internalQueries, OutstandingRequests requests,
                 ResponseTracker tracker, UnnamedStatementOwner unnamedStatement) {
        this.server = server;
        this.internalQueries = internalQueries;
        this.requests = requests;
        this.tracker = tracker;
        this.unnamedStatement = unnamedStatement;
    }

    /** A new link. */
    void beginLink() {
        resetSeen = false;
    }

    boolean sentFatal() {
        return sentFatal;
    }

    /**
     * Whole messages from PostgreSQL that arrived back to back (see {@link io.pooler.protocol.PgFrameDecoder#emitRuns}),
     * owned here and released once all are handled: each is checked, then handled in place. Those that go
     * to the client as they are stay ranges of {@code messages}, joined into one write
     * ({@link OutboundBatch#addRange}); only a message handed on whole takes a slice of its own.
     */
    void handleRun(ByteBuf messages) {
        int end = messages.writerIndex();
        try {
            for (int at = messages.readerIndex(); at < end; ) {
                int total = 1 + messages.getInt(at + 1);
                try {
                    BackendMessageCheck.check(messages, at, total);
                } catch (ProtocolException e) {
                    toClient.endRange(); // what came before it is relayed, as it would have been alone
                    server.protocolErrorFromServer(e);
                    return;
                }
                handleMessage(messages, at, total);
                at += total;
            }
        } finally {
            toClient.endRange();
            messages.release();
        }
    }

    /** The checked message at {@code at} of {@code messages}, {@code total} bytes long; the caller keeps the buffer. */
    private void handleMessage(ByteBuf messages, int at, int total) {
        if (fatalReceived) {
            return; // nothing after a FATAL is PostgreSQL's; the close is on its way
        }
        byte type = messages.getByte(at);
        boolean fatal = type == MessageType.ERROR_RESPONSE && noteFatal(ErrorResponse.parseBody(body(messages, at, total)));
        if (type == MessageType.PARAMETER_STATUS) {
            handleParameterStatus(messages, at, total);
            return;
        }
        if (type == MessageType.READY_FOR_QUERY) {
            server.serverReady(messages.getByte(at + PgFrames.HEADER_LENGTH));
            if (internalQueries.running()) {
                server.internalQueryDone();
                return;
            }
        } else if (internalQueries.running()) {
            handleInternalReply(type, messages, at, total);
            return;
        }
        if (server.client() instanceof InternalServerUser internal) {
            internal.serverMessage(server, messages.retainedSlice(at, total));
            return;
        }
        ClientConnection client = server.linkedClient();
        if (client == null) {
            handleWhileUnlinked(messages.slice(at, total));
            return;
        }
        if (!client.channel().isActive()) {
            return; // the client left; its cleanup closes or resets this server
        }
        switch (type) {
            case MessageType.READY_FOR_QUERY -> handleReadyForQuery(client);
            case MessageType.COMMAND_COMPLETE -> handleCommandComplete(messages, at, total, true);
            case MessageType.ERROR_RESPONSE -> {
                sentFatal = fatal;
                unnamedStatement.errorReceived();
            }
            default -> {
            }
        }
        burstBytesSent += total;
        Channel peer = client.channel();
        if (!server.tracksStatements()) {
            // Nothing to rename or answer: the tracker only follows the batch, to see skipped Queries.
            tracker.onServerMessage(type, server.alloc(), NOTHING_OWED);
            toClient.addRange(peer, messages, at, at + total);
        } else if (type == MessageType.ERROR_RESPONSE) {
            relayTrackedError(peer, messages.retainedSlice(at, total));
        } else {
            // Transaction pooling with named statements: the pooler's own answers go in their place.
            if (tracker.onServerMessage(type, server.alloc(), answersTo(peer))) {
                toClient.addRange(peer, messages, at, at + total);
            }
            tracker.answerDue(server.alloc(), answersTo(peer));
        }
        if (type == MessageType.READY_FOR_QUERY) {
            countSkippedQueries();
        }
    }

    /**
     * Where the tracker puts the pooler's own answers for {@code peer}: made once per client, not per
     * message (the tracked path asked for two at every message).
     */
    private Consumer<ByteBuf> answersTo(Channel peer) {
        if (peer != answersPeer) {
            answersPeer = peer;
            answers = f -> toClient.add(peer, f);
        }
        return answers;
    }

    /** The body of the message at {@code at}: a view that shares the buffer's memory and reference count. */
    private static ByteBuf body(ByteBuf messages, int at, int total) {
        return messages.slice(at + PgFrames.HEADER_LENGTH, total - PgFrames.HEADER_LENGTH);
    }

    /** Where the tracker's answers would go when messages are streamed: none are ever owed then. */
    private static final Consumer<ByteBuf> NOTHING_OWED = f -> {
        f.release();
        throw new IllegalStateException("an answer owed while messages are streamed");
    };

    /**
     * After a ReadyForQuery: the Queries PostgreSQL skipped in the batch it ends are over too, with no
     * ReadyForQuery of their own (QueryInsideABatchTest).
     */
    private void countSkippedQueries() {
        int skipped = tracker.takeSkippedQueries();
        if (skipped > 0) {
            requests.answeredWithoutReady(skipped);
            unnamedStatement.readyForQuery(requests.answered());
        }
    }

    private void handleInternalReply(byte type, ByteBuf messages, int at, int total) {
        if (type == MessageType.COMMAND_COMPLETE) {
            handleCommandComplete(messages, at, total, false);
        }
        internalQueries.handleReply(server, type, messages.slice(at, total));
    }

    /**
     * A ReadyForQuery to the linked client: one more request answered, and SHOW STATS' query and
     * transaction times. The client is told at the end of the burst ({@link #endOfReadBurst}).
     */
    private void handleReadyForQuery(ClientConnection client) {
        requests.answerRelayed();
        unnamedStatement.readyForQuery(requests.answered());
        resetSeen = false;
        notifyReady = client;
        QueryTimer timer = client.queryTimer();
        if (timer != null) {
            timer.readyForQuery(server.transactionStatus(), server.lastReadyNanos()); // read by serverReady
        }
    }

    /**
     * An ErrorResponse (owned here) while named statements are tracked: the pooler's answers due before it
     * go first, and it may be renamed for the client (ResponseTracker.onServerFrame).
     */
    private void relayTrackedError(Channel peer, ByteBuf frame) {
        ByteBuf relayed = tracker.onServerFrame(frame, server.alloc(), answersTo(peer));
        if (relayed != null) {
            toClient.add(peer, relayed);
        }
        tracker.answerDue(server.alloc(), answersTo(peer));
    }

    /**
     * DISCARD ALL and RESET put parameters back to the server's defaults; on a direct connection they
     * would go back to what the client asked for at startup, so that is what the client keeps.
     */
    private void handleCommandComplete(ByteBuf messages, int at, int total, boolean clientRanIt) {
        int body = at + PgFrames.HEADER_LENGTH;
        int length = total - PgFrames.HEADER_LENGTH;
        if (!CommandTag.anyMayMatch(messages, body, length)) {
            return; // SELECT, INSERT, ...: most statements, told apart by one byte
        }
        boolean discardAll = CommandTag.DISCARD_ALL.matches(messages, body, length);
        if (discardAll || CommandTag.RESET.matches(messages, body, length)) {
            resetSeen = true;
        }
        if (discardAll || CommandTag.DEALLOCATE_ALL.matches(messages, body, length)) {
            // The pooler's prepared statements on this server are gone; the client's names only when the
            // client ran it (its reset query's answer once emptied whichever client the server served last).
            if (clientRanIt) {
                tracker.statementsDiscarded();
            } else {
                tracker.serverStatementsDiscarded();
            }
        } else if (CommandTag.DEALLOCATE.matches(messages, body, length)
                && (server.tracksStatements() || server.statements().size() > 0)) {
            // Maybe one of the pooler's names (see ServerStatements.markInDoubt): the server is reset
            // before anyone else gets it. Matched on the server's answer, not the query text, so a
            // DEALLOCATE the scan cannot see (a text over 64 KiB) is noticed too. Session pooling, where
            // the pooler names no statement, is left as it was.
            server.statements().markInDoubt();
        }
    }

    /** The server's new value is remembered; the client sees its own value where the pooler keeps one. */
    private void handleParameterStatus(ByteBuf messages, int at, int total) {
        ByteBuf body = body(messages, at, total);
        String name = PgFrames.readCString(body);
        String value = PgFrames.readCString(body);
        server.parameterReported(name, value);
        ClientConnection client = server.linkedClient();
        if (internalQueries.running() || client == null) {
            return;
        }
        String clientValue = client.serverReportedParameter(name, value, resetSeen);
        if (clientValue.equals(value)) {
            toClient.addRange(client.channel(), messages, at, at + total);
        } else {
            toClient.add(client.channel(), BackendMessages.parameterStatus(server.alloc(), name, clientValue));
        }
    }

    /**
     * True for a FATAL error, whoever it reaches (a client, an internal query, nobody): the pool hears of
     * it, as it may announce a PostgreSQL restart, and the server is closed at the end of the burst.
     */
    private boolean noteFatal(ErrorResponse error) {
        if (!error.isFatal()) {
            return false;
        }
        fatalReceived = true;
        fatalMessage = error.message();
        server.pool().serverSentFatal(error);
        return true;
    }

    /** Nobody is linked: a notice or notification is dropped, an error logged, anything else closes (a view, not owned). */
    private void handleWhileUnlinked(ByteBuf frame) {
        byte type = PgFrames.type(frame);
        if (type == MessageType.ERROR_RESPONSE) {
            log.info("{} server sent error while idle: {}", server, ErrorResponse.parseBody(PgFrames.body(frame)));
        } else if (type != MessageType.NOTICE_RESPONSE && type != MessageType.NOTIFICATION_RESPONSE) {
            log.warn("{} unexpected message '{}' while idle, closing", server, (char) type);
            server.close("unexpected message from server");
        }
    }

    /**
     * A part of a long DataRow, CopyData or FunctionCallResponse (see {@link ServerConnection#STREAMED}).
     * The first part decides where the whole message goes, as {@link #handleMessage} decides for a whole
     * one; the others follow.
     */
    void handlePart(FramePart part) {
        if (fatalReceived) {
            part.release(); // nothing after a FATAL is PostgreSQL's
            return;
        }
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
        if (part.last() && server.tracksStatements()) {
            tracker.answerDue(server.alloc(), answersTo(target));
        }
    }

    private Channel streamDestination(byte type) {
        if (internalQueries.running()) {
            return null; // part of an internal query's reply: swallowed like the rest of it
        }
        ClientConnection client = server.linkedClient();
        if (client == null) {
            // Nobody linked (or an auth_query lookup, which expects one short row): not a reply to anyone.
            log.warn("{} unexpected long '{}' message while not relaying, closing", server, (char) type);
            server.close("unexpected message from server");
            return null;
        }
        if (server.tracksStatements()) {
            Channel peer = client.channel();
            tracker.onServerMessage(type, server.alloc(), answersTo(peer));
        } else {
            tracker.onServerMessage(type, server.alloc(), NOTHING_OWED);
        }
        return client.channel();
    }

    /** The client queued requests the pooler answers itself: the answers go now. */
    void sendAnswersDue(ClientConnection client) {
        tracker.answerDue(server.alloc(), answersTo(client.channel()));
        toClient.flush();
        client.answeredByPooler();
    }

    /**
     * The end of a read burst: the bytes counted, the client told of its ReadyForQuery (which may
     * release the server, to the next waiting client), then one flush, and backpressure: PostgreSQL
     * is not read while the client cannot take more; the client's writability event turns reading
     * back on. NOTE: the flush comes after the release, so the system call that wakes the client is
     * the loop's last work before it sleeps (the messages were written, in order, as they came).
     */
    void endOfReadBurst(Channel serverChannel) {
        if (burstBytesSent > 0) {
            server.pool().stats().sent(burstBytesSent);
            burstBytesSent = 0;
        }
        ClientConnection client = notifyReady;
        notifyReady = null;
        // After a FATAL behind the ReadyForQuery in this burst, the server does not go back to the pool as
        // it closes: its client, told FATAL too, goes with it (HostileServerFatalTest).
        if (client != null && fatalMessage == null) {
            client.serverReady(server);
        }
        toClient.flush();
        if (fatalMessage != null) {
            server.close("server error: " + fatalMessage);
            fatalMessage = null; // closed once; fatalReceived stays, so what follows is still dropped
        }
        ClientConnection linked = server.linkedClient();
        if (linked != null && linked.channel().isActive() && !linked.channel().isWritable()) {
            serverChannel.config().setAutoRead(false);
        }
        if (linked != null && !tracker.tooManyQueuedAnswers()) {
            linked.owedAnswersWentOut(); // the pair's loop: a linked client shares this one
        }
        if (linked == null) {
            answersPeer = null; // an idle server holds on to no client's channel
            answers = null;
        }
    }

    /** The server is gone: what was batched is dropped. */
    void discard() {
        toClient.discard();
    }
}
