package io.pooler.protocol.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Protocol-level named prepared statements in transaction pooling (PgBouncer's
 * max_prepared_statements): a client's statement names are its own, mapped to the pooler's
 * server-side names; whichever server the client gets, the pooler prepares the statement there first
 * if that server does not have it yet.
 *
 * <p>Per client, owned by the client's loop. Unnamed statements and portals pass through untouched.
 */
public final class StatementRewriter {
    private final StatementRegistry registry;
    private final int capacity;
    private final Map<String, PreparedStatement> clientStatements = new HashMap<>();

    /** @param capacity max_prepared_statements: how many statements each server keeps */
    public StatementRewriter(StatementRegistry registry, int capacity) {
        this.registry = registry;
        this.capacity = capacity;
    }

    /** The server side a client message goes to. */
    public interface Server {
        ServerStatements statements();

        ResponseTracker tracker();

        ByteBufAllocator alloc();
    }

    /**
     * Sends one client message (whose reference this takes over) to the server through {@code send},
     * rewritten as needed, and tells the server's tracker what responses to expect.
     */
    public void forward(ByteBuf frame, Server server, Consumer<ByteBuf> send) {
        switch (PgFrames.type(frame)) {
            case MessageType.PARSE -> parse(frame, server, send);
            case MessageType.BIND -> bind(frame, server, send);
            case MessageType.DESCRIBE -> describe(frame, server, send);
            case MessageType.CLOSE -> close(frame, server, send);
            case MessageType.EXECUTE -> relay(frame, PendingRequest.EXECUTE, server, send);
            case MessageType.SYNC, MessageType.QUERY, MessageType.FUNCTION_CALL -> relay(frame, PendingRequest.SYNC, server, send);
            default -> send.accept(frame); // Flush, COPY data: no response of their own
        }
    }

    /**
     * Without a server: a client between transactions (so idle) that parses a statement some server
     * has already parsed successfully, or closes one, is answered by the pooler at once. Returns the
     * answer's type byte ('1' ParseComplete, '3' CloseComplete), or 0 when the message needs a
     * server; in that case nothing was consumed. A Parse answered here is prepared on a server when
     * the client first binds it.
     */
    public byte answerWithoutServer(ByteBuf frame) {
        byte type = PgFrames.type(frame);
        ByteBuf body = PgFrames.body(frame);
        if (type == MessageType.PARSE) {
            int nameEnd = nameEnd(body, body.readerIndex());
            if (nameEnd == body.readerIndex()) {
                return 0;
            }
            byte[] definition = new byte[body.writerIndex() - nameEnd - 1];
            body.getBytes(nameEnd + 1, definition);
            PreparedStatement known = registry.knownStatement(definition);
            if (known == null || !known.validated()) {
                return 0;
            }
            clientStatements.put(body.toString(body.readerIndex(), nameEnd - body.readerIndex(), StandardCharsets.UTF_8), known);
            frame.release();
            return '1';
        }
        if (type == MessageType.CLOSE && body.getByte(body.readerIndex()) == 'S') {
            int start = body.readerIndex() + 1;
            int end = nameEnd(body, start);
            if (end > start) {
                clientStatements.remove(body.toString(start, end - start, StandardCharsets.UTF_8));
                frame.release();
                return '3';
            }
        }
        return 0;
    }

    private void parse(ByteBuf frame, Server server, Consumer<ByteBuf> send) {
        ByteBuf body = PgFrames.body(frame);
        int nameEnd = nameEnd(body, body.readerIndex());
        if (nameEnd == body.readerIndex()) {
            relay(frame, new PendingRequest(PendingRequest.Kind.PARSE, null), server, send);
            return;
        }
        String name = body.toString(body.readerIndex(), nameEnd - body.readerIndex(), StandardCharsets.UTF_8);
        byte[] definition = new byte[body.writerIndex() - nameEnd - 1];
        body.getBytes(nameEnd + 1, definition);
        frame.release();
        PreparedStatement statement = registry.statementFor(definition);
        clientStatements.put(name, statement);
        if (server.statements().contains(statement)) {
            server.tracker().expect(new PendingRequest(PendingRequest.Kind.ANSWERED_PARSE, statement));
            return;
        }
        prepareOnServer(statement, server, send, PendingRequest.Kind.PARSE);
    }

    private void bind(ByteBuf frame, Server server, Consumer<ByteBuf> send) {
        ByteBuf body = PgFrames.body(frame);
        int portalEnd = nameEnd(body, body.readerIndex());
        ByteBuf rewritten = rewriteStatementName(frame, server, send, portalEnd + 1);
        relay(rewritten, PendingRequest.BIND, server, send);
    }

    private void describe(ByteBuf frame, Server server, Consumer<ByteBuf> send) {
        ByteBuf body = PgFrames.body(frame);
        ByteBuf rewritten = body.getByte(body.readerIndex()) == 'S'
                ? rewriteStatementName(frame, server, send, body.readerIndex() + 1) : frame;
        relay(rewritten, PendingRequest.DESCRIBE, server, send);
    }

    private void close(ByteBuf frame, Server server, Consumer<ByteBuf> send) {
        ByteBuf body = PgFrames.body(frame);
        if (body.getByte(body.readerIndex()) == 'S') {
            int start = body.readerIndex() + 1;
            int end = nameEnd(body, start);
            if (end > start) {
                // The server keeps the statement for other clients; the client's name is forgotten.
                clientStatements.remove(body.toString(start, end - start, StandardCharsets.UTF_8));
                frame.release();
                server.tracker().expect(PendingRequest.ANSWERED_CLOSE);
                return;
            }
        }
        relay(frame, PendingRequest.CLOSE, server, send);
    }

    /**
     * Replaces the statement name at {@code nameStart} (body-relative absolute index) with the
     * server-side one, preparing the statement on this server first if needed. An unknown name goes
     * through unchanged, for PostgreSQL to report.
     */
    private ByteBuf rewriteStatementName(ByteBuf frame, Server server, Consumer<ByteBuf> send, int nameStart) {
        ByteBuf body = PgFrames.body(frame);
        int nameEnd = nameEnd(body, nameStart);
        if (nameEnd == nameStart) {
            return frame;
        }
        PreparedStatement statement = clientStatements.get(body.toString(nameStart, nameEnd - nameStart, StandardCharsets.UTF_8));
        if (statement == null) {
            return frame;
        }
        if (!server.statements().contains(statement)) {
            prepareOnServer(statement, server, send, PendingRequest.Kind.INJECTED_PARSE);
        }
        byte[] serverName = statement.serverName().getBytes(StandardCharsets.US_ASCII);
        int bodyStart = body.readerIndex();
        ByteBuf out = server.alloc().buffer(frame.readableBytes() + serverName.length);
        int start = PgFrames.beginMessage(out, PgFrames.type(frame));
        out.writeBytes(body, bodyStart, nameStart - bodyStart);
        out.writeBytes(serverName);
        out.writeBytes(body, nameEnd, body.writerIndex() - nameEnd);
        PgFrames.endMessage(out, start);
        frame.release();
        return out;
    }

    private void prepareOnServer(PreparedStatement statement, Server server, Consumer<ByteBuf> send,
                                 PendingRequest.Kind kind) {
        PreparedStatement evicted = server.statements().add(statement, capacity);
        if (evicted != null) {
            server.tracker().expect(new PendingRequest(PendingRequest.Kind.INJECTED_CLOSE, evicted));
            send.accept(evicted.closeMessage(server.alloc()));
        }
        server.tracker().expect(new PendingRequest(kind, statement));
        send.accept(statement.parseMessage(server.alloc()));
    }

    private static void relay(ByteBuf frame, PendingRequest expected, Server server, Consumer<ByteBuf> send) {
        server.tracker().expect(expected);
        send.accept(frame);
    }

    /** Index of the NUL ending the C string at {@code from}. */
    private static int nameEnd(ByteBuf body, int from) {
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolException("invalid string in message: missing terminator");
        }
        return end;
    }
}
