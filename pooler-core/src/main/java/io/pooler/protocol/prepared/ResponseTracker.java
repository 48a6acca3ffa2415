package io.pooler.protocol.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.SqlState;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.function.Consumer;

/**
 * Matches a server's responses to the requests sent to it, so the pooler can answer some requests
 * itself (ParseComplete for a statement the server already has, CloseComplete for a statement the
 * server keeps) and swallow the answers to its own (a Parse injected before a Bind, a Close of an
 * evicted statement), each at the exact place in the response stream the client expects.
 *
 * <p>Threads: the server's event loop, which is also its linked client's (a client and its server
 * share a loop for as long as they are linked): the client's messages add requests ({@link #expect}),
 * the server's replies consume them ({@link #onServerMessage}, {@link #answerDue}). A server handed to
 * another loop carries its tracker through that loop's task queue, which orders the two.
 */
public final class ResponseTracker {
    private static final byte PARSE_COMPLETE = '1';
    private static final byte BIND_COMPLETE = '2';
    private static final byte CLOSE_COMPLETE = '3';
    private static final byte NO_DATA = 'n';
    private static final byte PORTAL_SUSPENDED = 's';
    /** PostgreSQL's duplicate_prepared_statement. */
    private static final String DUPLICATE_PREPARED_STATEMENT = "42P05";

    /**
     * How many answers the pooler may owe a client at once, queued behind a request still running
     * (a CloseComplete or ParseComplete each, 5 bytes): about the client socket's 64 KiB high-water mark
     * of them. Past it the client is not read until the server's answers let them go
     * (LocalAnswerBackpressureTest); none of these messages reaches the server, whose full socket would
     * otherwise stop reading it.
     */
    public static final int MAX_QUEUED_ANSWERS = 64 * 1024 / 5;

    private final Queue<PendingRequest> pending = new ArrayDeque<>();
    /** The requests in {@link #pending} the pooler answers itself; changed only with it, by {@link #poll}. */
    private int queuedAnswers;
    /** The Sync and Query requests in {@link #pending}: batches written and not answered yet; as queuedAnswers. */
    private int batchEndsPending;
    private final ServerStatements statements;
    /** An error ended the current extended-protocol batch: the server skips everything up to Sync. */
    private boolean failed;
    /** Queries skipped behind an error, not yet taken ({@link #takeSkippedQueries}). */
    private int skippedQueries;
    /**
     * The discarding request at the head ({@link PendingRequest#discardsStatements}) ran: its DEALLOCATE
     * ALL or DISCARD ALL answered CommandComplete. Checked when it leaves the queue.
     */
    private boolean discardRan;
    /** What each discarding request in {@link #pending} emptied from the list, the oldest first. */
    private final Queue<List<ServerStatements.Copy>> clearedAhead = new ArrayDeque<>(0);
    /** The linked client's statement names, forgotten with the server's statements (DEALLOCATE ALL). */
    private StatementRewriter clientStatements;

    public ResponseTracker(ServerStatements statements) {
        this.statements = statements;
    }

    /** A request was sent, or is to be answered by the pooler, in this order. */
    public void expect(PendingRequest request) {
        pending.add(request);
        if (request.answeredByPooler()) {
            queuedAnswers++;
        }
        if (request.endsBatch()) {
            batchEndsPending++;
        }
    }

    /**
     * True when a batch was written ahead and is not answered yet: what the next message meets on the server
     * (a transaction block that batch failed, or ended) is not known until its ReadyForQuery.
     */
    public boolean batchEndPending() {
        return batchEndsPending > 0;
    }

    /** True when the pooler owes the client {@link #MAX_QUEUED_ANSWERS} answers or more: read it no further. */
    public boolean tooManyQueuedAnswers() {
        return queuedAnswers >= MAX_QUEUED_ANSWERS;
    }

    private PendingRequest poll() {
        PendingRequest head = pending.poll();
        if (head != null && head.answeredByPooler()) {
            queuedAnswers--;
        }
        if (head != null && head.endsBatch()) {
            batchEndsPending--;
        }
        if (head != null && head.discardsStatements()) {
            List<ServerStatements.Copy> held = clearedAhead.poll();
            if (!discardRan && held != null) {
                // Refused or skipped: the server still holds what the list let go as it went out.
                statements.restore(held);
            }
            discardRan = false;
        }
        return head;
    }

    /**
     * A client's lone DEALLOCATE ALL or DISCARD ALL goes out as {@code request}: the list is emptied now,
     * for what the client writes behind it, and given back if it does not run (StatementRewriter.discardAhead).
     */
    void discardAhead(PendingRequest request) {
        clearedAhead.add(statements.clearAhead());
        expect(request);
    }

    /** True when the next response due is one the pooler gives itself. */
    public boolean answerIsDue() {
        PendingRequest head = pending.peek();
        return head != null && head.answeredByPooler() && !failed;
    }

    /** Server loop: sends the pooler's own answers that are due now. */
    public void answerDue(ByteBufAllocator alloc, Consumer<ByteBuf> toClient) {
        if (failed) {
            return;
        }
        PendingRequest head;
        while ((head = pending.peek()) != null && head.answeredByPooler()) {
            poll();
            toClient.accept(emptyMessage(alloc, head.kind() == PendingRequest.Kind.ANSWERED_PARSE ? PARSE_COMPLETE : CLOSE_COMPLETE));
        }
    }

    /**
     * Server loop: one message from the server. Sends any answers due before it and returns whether
     * the message itself goes to the client. NOTE: the caller relays the message, then calls
     * {@link #answerDue} for the answers due after it.
     */
    public boolean onServerMessage(byte type, ByteBufAllocator alloc, Consumer<ByteBuf> toClient) {
        answerDue(alloc, toClient);
        PendingRequest head = pending.peek();
        switch (type) {
            case PARSE_COMPLETE:
                if (head != null && head.kind() == PendingRequest.Kind.DUPLICATE_PARSE) {
                    duplicateAccepted();
                    return true;
                }
                if (head != null && head.kind() == PendingRequest.Kind.PROBED_PARSE) {
                    poll(); // the block was not failed there: the client's ParseComplete, as PostgreSQL's
                    return true;
                }
                return complete(head, PendingRequest.Kind.PARSE, PendingRequest.Kind.INJECTED_PARSE, alloc, toClient);
            case BIND_COMPLETE:
                return complete(head, PendingRequest.Kind.BIND, null, alloc, toClient);
            case CLOSE_COMPLETE:
                if (head != null && head.kind() == PendingRequest.Kind.PROBE_CLOSE) {
                    poll();
                    return false;
                }
                return complete(head, PendingRequest.Kind.CLOSE, PendingRequest.Kind.INJECTED_CLOSE, alloc, toClient);
            case MessageType.ROW_DESCRIPTION, NO_DATA:
                if (head != null && head.kind() == PendingRequest.Kind.DESCRIBE) {
                    return complete(head, PendingRequest.Kind.DESCRIBE, null, alloc, toClient);
                }
                return true;
            case MessageType.COMMAND_COMPLETE, MessageType.EMPTY_QUERY_RESPONSE, PORTAL_SUSPENDED:
                if (head != null && head.kind() == PendingRequest.Kind.EXECUTE) {
                    return complete(head, PendingRequest.Kind.EXECUTE, null, alloc, toClient);
                }
                return true;
            case MessageType.ERROR_RESPONSE:
                // An extended-protocol message failed (a Query's own error ends with its ReadyForQuery).
                if (head != null && !head.endsBatch()) {
                    failed = true; // the server now skips to Sync; so do we, at ReadyForQuery
                }
                return true;
            case MessageType.READY_FOR_QUERY:
                readyForQuery();
                return true;
            default:
                return true;
        }
    }

    /**
     * The statements the server lost: after DISCARD ALL or DEALLOCATE ALL. The client that ran it loses
     * its names too, as on a direct connection (PgBouncer's free_client_prepared_statements): using one
     * afterwards gets PostgreSQL's "prepared statement does not exist". A Parse the client wrote behind it,
     * before its answer, leaves the server a statement the list no longer has: the list is then in doubt,
     * and the server is reset before it serves another client. Nothing of this for a lone DEALLOCATE ALL or
     * DISCARD ALL, whose names and list were emptied as it went out (StatementRewriter.discardAhead): it ran.
     */
    public void statementsDiscarded() {
        PendingRequest head = pending.peek();
        if (head != null && head.discardsStatements()) {
            discardRan = true; // the names and the list were emptied as it went out
            return;
        }
        serverStatementsDiscarded();
        if (parseStillPending()) {
            // A Parse the client wrote behind it, counted on the server as it went out, runs after it:
            // the server will hold a statement the emptied list does not (PipelinedBatchesTest).
            statements.markInDoubt();
        }
        StatementRewriter client = clientStatements;
        if (client != null) {
            client.clientStatementsDiscarded();
        }
    }

    /** A Parse of one of the pooler's statements was sent and not yet answered. */
    private boolean parseStillPending() {
        for (PendingRequest request : pending) {
            if (request.statement() != null && (request.kind() == PendingRequest.Kind.PARSE
                    || request.kind() == PendingRequest.Kind.INJECTED_PARSE)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The statements the server lost to a query the pooler ran itself (server_reset_query): no client ran
     * it, so no client loses its names; each is prepared again where it is used next. NOTE: the last
     * client this server answered may be linked elsewhere by now, on another loop.
     */
    public void serverStatementsDiscarded() {
        statements.clear();
    }

    /** The client whose messages this server is answering now (set as they are sent). */
    void linkedTo(StatementRewriter client) {
        clientStatements = client;
    }

    /**
     * Server loop: {@link #onServerMessage} for a message the caller holds. Returns what goes to the client
     * in its place: the frame itself, the pooler's rewrite of it (the frame is then released), or null when
     * it is swallowed (released too).
     */
    public ByteBuf onServerFrame(ByteBuf frame, ByteBufAllocator alloc, Consumer<ByteBuf> toClient) {
        byte type = PgFrames.type(frame);
        PendingRequest head = null;
        if (type == MessageType.ERROR_RESPONSE) {
            answerDue(alloc, toClient); // the pooler's answers due before it go first: the error is the next request's
            head = pending.peek();
        }
        if (head != null && head.kind() == PendingRequest.Kind.DUPLICATE_PARSE) {
            return duplicateRefused(frame, alloc);
        }
        if (head != null && head.statement() != null
                && (head.kind() == PendingRequest.Kind.PARSE || head.kind() == PendingRequest.Kind.INJECTED_PARSE
                        || head.kind() == PendingRequest.Kind.PROBED_PARSE)
                && DUPLICATE_PREPARED_STATEMENT.equals(ErrorResponse.parseBody(PgFrames.body(frame)).sqlState())) {
            // The server holds a statement under a name the pooler prepares (or probes) under, and the pooler
            // did not put it there: a client's SQL PREPARE. This client's batch fails; the server is reset
            // before it serves another, so that one error is the last (ServerStatements.markInDoubt).
            statements.markInDoubt();
        }
        // A Bind or Describe of one of the pooler's statements failed: if a schema change outdated the statement,
        // every server prepares it again before its next use (SchemaChangeUnderSharedStatementsTest).
        ErrorResponse renamedStatementError = null;
        if (head != null && head.statement() != null
                && (head.kind() == PendingRequest.Kind.BIND || head.kind() == PendingRequest.Kind.DESCRIBE)) {
            renamedStatementError = ErrorResponse.parseBody(PgFrames.body(frame));
            if (OutdatedPlan.refused(renamedStatementError)) {
                statements.planOutdated(head.statement());
            }
        }
        if (onServerMessage(type, alloc, toClient)) {
            return renamedStatementError != null ? namedAsTheClientNamedIt(frame, renamedStatementError, head, alloc) : frame;
        }
        frame.release();
        return null;
    }

    /**
     * PostgreSQL's error for a Bind or Describe the pooler renamed: where it says the pooler's statement does
     * not exist (the Parse behind it was skipped in a batch the client wrote ahead), the message names the
     * client's statement, as on a direct connection. Any other error goes as it is.
     */
    private static ByteBuf namedAsTheClientNamedIt(ByteBuf frame, ErrorResponse error, PendingRequest head,
                                                   ByteBufAllocator alloc) {
        if (!SqlState.INVALID_SQL_STATEMENT_NAME.equals(error.sqlState())
                || !doesNotExist(head.statement().serverName()).equals(error.message())) {
            return frame;
        }
        frame.release();
        String written = new String(head.clientName().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        return error.withMessage(doesNotExist(written)).encode(alloc);
    }

    /** PostgreSQL's message for a statement name it does not hold. */
    private static String doesNotExist(String name) {
        return "prepared statement \"" + name + "\" does not exist";
    }

    /**
     * PostgreSQL refused the Parse that stood for a client's Parse under a name in use: 42P05 names the
     * server's statement, so the message is given the client's name. Any other refusal (a syntax error, an
     * aborted transaction) is what PostgreSQL would have said to the client first too, and goes as it is.
     */
    private ByteBuf duplicateRefused(ByteBuf frame, ByteBufAllocator alloc) {
        PendingRequest head = poll();
        failed = true;
        ErrorResponse error = ErrorResponse.parseBody(PgFrames.body(frame));
        if (!DUPLICATE_PREPARED_STATEMENT.equals(error.sqlState())) {
            return frame;
        }
        frame.release();
        return error.withMessage("prepared statement \"" + head.clientName() + "\" already exists").encode(alloc);
    }

    /**
     * PostgreSQL accepted the Parse that stood for a client's Parse under a name in use: the pooler's
     * statement was not on the server after all (its Parse, in an earlier batch the client wrote before
     * reading, was skipped behind an error), and the server now holds the client's other text under the
     * pooler's name. That name there is no longer the pooler's statement, and the server is reset before
     * it serves another client, whose own Parse of the statement would otherwise be refused (42P05), and
     * whose Bind written behind that Parse would run the other text (PipelinedBatchesTest). The client is
     * told ParseComplete, as PostgreSQL told it.
     */
    private void duplicateAccepted() {
        PendingRequest head = poll();
        statements.remove(head.statement().id());
        statements.markInDoubt();
    }

    public boolean isIdle() {
        return pending.isEmpty();
    }

    /** The server is about to serve another client: nothing of the last one's is pending. */
    public void reset() {
        pending.clear();
        discardRan = false;
        clearedAhead.clear();
        queuedAnswers = 0;
        batchEndsPending = 0;
        failed = false;
        skippedQueries = 0;
        clientStatements = null;
    }

    private boolean complete(PendingRequest head, PendingRequest.Kind relayed, PendingRequest.Kind swallowed,
                             ByteBufAllocator alloc, Consumer<ByteBuf> toClient) {
        if (head == null || (head.kind() != relayed && head.kind() != swallowed)) {
            return true; // not a response we track (e.g. inside a simple Query): relay it
        }
        poll();
        if (head.statement() != null && (head.kind() == PendingRequest.Kind.PARSE || head.kind() == PendingRequest.Kind.INJECTED_PARSE)) {
            head.statement().markValidated();
        }
        return head.kind() == relayed;
    }

    /**
     * How many Query and FunctionCall messages PostgreSQL skipped, with no answer, behind an error in the
     * extended-protocol batch they were written in, since the last call; counted at the ReadyForQuery that
     * ends the batch. The caller counts them answered, or the server would stay linked to its client for
     * ever, waiting for their ReadyForQuery (QueryInsideABatchTest).
     */
    public int takeSkippedQueries() {
        int skipped = skippedQueries;
        skippedQueries = 0;
        return skipped;
    }

    /**
     * Ends a Sync or Query. After an error, drops what the server skipped, and forgets failed Parses. A
     * skipped Close of a statement evicted to make room leaves it on the server, out of the pooler's list:
     * another client's Parse of it would fail (42P05), so the list is in doubt, and the server is emptied
     * before it serves another client (EvictionInAFailedBatchTest). The client's own Parse and Close
     * messages the server did not carry out are taken back from its names, the last first, and so is a
     * DEALLOCATE ALL or DISCARD ALL it refused (StatementRewriterTest, BatchesAgainstPostgresTest).
     */
    private void readyForQuery() {
        PendingRequest head;
        List<PendingRequest> clientChangesUndone = null;
        while ((head = pending.peek()) != null) {
            boolean discardNotRun = head.discardsStatements() && !discardRan; // refused, or skipped
            poll();
            if (failed && head.statement() != null
                    && (head.kind() == PendingRequest.Kind.PARSE || head.kind() == PendingRequest.Kind.INJECTED_PARSE)) {
                statements.remove(head.statement().id());
            }
            if (failed && head.kind() == PendingRequest.Kind.INJECTED_CLOSE) {
                statements.markInDoubt();
            }
            if ((failed || discardNotRun) && head.client() != null) {
                if (clientChangesUndone == null) {
                    clientChangesUndone = new ArrayList<>();
                }
                clientChangesUndone.add(head);
            }
            if (head.kind() == PendingRequest.Kind.QUERY && failed) {
                skippedQueries++; // skipped with the rest of the failed batch: no ReadyForQuery of its own
                continue;
            }
            if (head.endsBatch()) {
                break;
            }
        }
        if (clientChangesUndone != null) {
            for (int i = clientChangesUndone.size() - 1; i >= 0; i--) {
                PendingRequest undone = clientChangesUndone.get(i);
                undone.client().undoSkipped(undone);
            }
        }
        failed = false;
    }

    private static ByteBuf emptyMessage(ByteBufAllocator alloc, byte type) {
        return alloc.buffer(5).writeByte(type).writeInt(4);
    }
}
