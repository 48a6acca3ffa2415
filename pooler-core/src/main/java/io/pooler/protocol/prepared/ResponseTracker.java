package io.pooler.protocol.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pooler.protocol.MessageType;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Matches a server's responses to the requests sent to it, so the pooler can answer some requests
 * itself (ParseComplete for a statement the server already has, CloseComplete for a statement the
 * server keeps) and swallow the answers to its own (a Parse injected before a Bind, a Close of an
 * evicted statement), each at the exact place in the response stream the client expects.
 *
 * <p>Threads: the client's loop adds requests ({@link #expect}); the server's loop consumes them
 * ({@link #onServerMessage}, {@link #answerDue}). The queue is concurrent; everything else is the
 * server loop's.
 */
public final class ResponseTracker {
    private static final byte PARSE_COMPLETE = '1';
    private static final byte BIND_COMPLETE = '2';
    private static final byte CLOSE_COMPLETE = '3';
    private static final byte NO_DATA = 'n';
    private static final byte PORTAL_SUSPENDED = 's';

    private final Queue<PendingRequest> pending = new ConcurrentLinkedQueue<>();
    private final ServerStatements statements;
    /** An error ended the current extended-protocol batch: the server skips everything up to Sync. */
    private boolean failed;

    public ResponseTracker(ServerStatements statements) {
        this.statements = statements;
    }

    /** Client loop: a request was sent, or is to be answered by the pooler, in this order. */
    public void expect(PendingRequest request) {
        pending.add(request);
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
            pending.poll();
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
                return complete(head, PendingRequest.Kind.PARSE, PendingRequest.Kind.INJECTED_PARSE, alloc, toClient);
            case BIND_COMPLETE:
                return complete(head, PendingRequest.Kind.BIND, null, alloc, toClient);
            case CLOSE_COMPLETE:
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
                if (head != null && head.kind() != PendingRequest.Kind.SYNC) {
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

    /** The statements the server lost: after DISCARD ALL or DEALLOCATE ALL. */
    public void statementsDiscarded() {
        statements.clear();
    }

    public boolean isIdle() {
        return pending.isEmpty();
    }

    /** The server is about to serve another client: nothing of the last one's is pending. */
    public void reset() {
        pending.clear();
        failed = false;
    }

    private boolean complete(PendingRequest head, PendingRequest.Kind relayed, PendingRequest.Kind swallowed,
                             ByteBufAllocator alloc, Consumer<ByteBuf> toClient) {
        if (head == null || (head.kind() != relayed && head.kind() != swallowed)) {
            return true; // not a response we track (e.g. inside a simple Query): relay it
        }
        pending.poll();
        if (head.statement() != null && (head.kind() == PendingRequest.Kind.PARSE || head.kind() == PendingRequest.Kind.INJECTED_PARSE)) {
            head.statement().markValidated();
        }
        return head.kind() == relayed;
    }

    /** Ends a Sync or Query. After an error, drops what the server skipped, and forgets failed Parses. */
    private void readyForQuery() {
        PendingRequest head;
        while ((head = pending.poll()) != null) {
            if (failed && head.statement() != null
                    && (head.kind() == PendingRequest.Kind.PARSE || head.kind() == PendingRequest.Kind.INJECTED_PARSE)) {
                statements.remove(head.statement().id());
            }
            if (head.kind() == PendingRequest.Kind.SYNC) {
                break;
            }
        }
        failed = false;
    }

    private static ByteBuf emptyMessage(ByteBufAllocator alloc, byte type) {
        return alloc.buffer(5).writeByte(type).writeInt(4);
    }
}
