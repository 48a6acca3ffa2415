package io.pooler.protocol.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import io.pooler.sql.DiscardStatementsCommand;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Protocol-level named prepared statements in transaction pooling (PgBouncer's
 * max_prepared_statements): a client's statement names are its own, mapped to the pooler's
 * server-side names; whichever server the client gets, the pooler prepares the statement there first
 * if that server does not have it yet.
 *
 * <p>Per client, owned by the client's loop. Unnamed statements and portals pass through untouched.
 *
 * <p>NOTE: the contract callers rely on. Every entry point that reads client bytes
 * ({@link #forward}, {@link #answerWithoutServer}) first checks the whole message (Parse, Bind,
 * Describe, Close: every field and count against what the message holds, as {@link ParseMessage},
 * {@link BindMessage} and {@link TargetMessage} do) and any limit, and only then writes, releases,
 * retains, sends or records anything. So when it throws a {@link ProtocolException} (08P01, or 53400
 * for {@link #MAX_CLIENT_STATEMENTS} and the {@link StatementBudget}), nothing has happened: the caller
 * still owns the frame, unchanged, releases it, and answers the client with the exception's SQLSTATE.
 *
 * <p>NOTE: every definition a name keeps is counted in the {@link StatementBudget} from the moment it is
 * kept until the name goes: Close, DEALLOCATE ALL or DISCARD ALL ({@link #clientStatementsDiscarded}),
 * or the client's end ({@link #clientClosed}).
 */
public final class StatementRewriter {
    /**
     * PostgreSQL tells prepared statements apart by the first NAMEDATALEN - 1 bytes of their names
     * only (its hash table of prepared queries has NAMEDATALEN-byte keys), so the pooler keys client
     * names the same way: what a client sees matches a direct connection, and a name costs at most this
     * much memory however long the client makes it.
     */
    static final int NAME_BYTES_KEPT = 63;
    /**
     * How many statement names one client may hold at once (Parse without Close). Drivers keep far
     * fewer (PgJDBC 256, pgx 512, Rails 1000 by default); the cap keeps one client from filling the
     * pooler's heap with names.
     */
    public static final int MAX_CLIENT_STATEMENTS = 10_000;
    /**
     * The server-side name a {@link #probe} parses under, then closes: no statement of the pooler's is named
     * so ({@link StatementRegistry#NAME_PREFIX} and a number), so the probe leaves the server's statements as
     * they were.
     */
    static final String PROBE_NAME = StatementRegistry.NAME_PREFIX + "PROBE";

    private final StatementRegistry registry;
    /** max_prepared_statements as now configured (a reload applies to the next statement prepared). */
    private final IntSupplier capacity;
    private final StatementCounters counters;
    /** The bytes of all clients' kept definitions, and the bound of each client's. */
    private final StatementBudget budget;
    /** The client's named statements; an empty immutable map until its first, as most clients never name one. */
    private Map<String, PreparedStatement> clientStatements = Map.of();
    /** clientStatements.size(), for SHOW CLIENTS on another thread. */
    private volatile int clientStatementCount;
    /**
     * The bytes of the definitions clientStatements keeps, one count per name; counted in the budget too.
     * NOTE: client loop, as clientStatements; DEALLOCATE ALL's answer is read on the server's loop, which
     * is the client's while the two are linked (a server moves to its client's loop).
     */
    private long clientStatementBytes;
    /** The client is gone ({@link #clientClosed}): a late answer to its batch must not keep a name for it again. */
    private boolean closed;
    /** The unnamed statement, and the unnamed portal bound from it, drop every prepared statement when run. */
    private boolean unnamedStatementDiscards;
    private boolean unnamedPortalDiscards;

    /**
     * With a budget of its own, of the default bound per client and none for all clients.
     *
     * @param capacity max_prepared_statements: how many statements each server keeps
     */
    public StatementRewriter(StatementRegistry registry, int capacity) {
        this(registry, capacity, new StatementBudget(StatementBudget.DEFAULT_CLIENT_LIMIT, Long.MAX_VALUE));
    }

    /** @param budget the bytes of definitions this client, and all clients sharing the budget, may keep */
    public StatementRewriter(StatementRegistry registry, int capacity, StatementBudget budget) {
        this(registry, () -> capacity, StatementCounters.NONE, budget);
    }

    /**
     * @param capacity max_prepared_statements as configured at each use, so a reload applies to every client
     * @param counters the pool's statistics (SHOW STATS' client_parse, server_parse and bind counts)
     * @param budget the process's budget of kept definitions, shared by every client
     */
    public StatementRewriter(StatementRegistry registry, IntSupplier capacity, StatementCounters counters,
                             StatementBudget budget) {
        this.registry = registry;
        this.capacity = capacity;
        this.counters = counters;
        this.budget = budget;
    }

    /** The server side a client message goes to. */
    public interface Server {
        ServerStatements statements();

        ResponseTracker tracker();

        ByteBufAllocator alloc();

        /** The server's last ReadyForQuery said a transaction block failed ('E'). */
        boolean inFailedTransaction();
    }

    /**
     * Sends one client message (whose reference this takes over) to the server through {@code send},
     * rewritten as needed, and tells the server's tracker what responses to expect. A malformed
     * message throws {@link ProtocolException} before anything happens; the frame is then still the
     * caller's.
     */
    public void forward(ByteBuf frame, Server server, Consumer<ByteBuf> send) {
        byte type = PgFrames.type(frame);
        if (type == MessageType.QUERY || type == MessageType.EXECUTE) {
            server.tracker().linkedTo(this); // a DEALLOCATE ALL or DISCARD ALL it runs drops this client's names
        }
        switch (type) {
            case MessageType.PARSE -> parse(frame, ParseMessage.read(frame), server, send);
            case MessageType.BIND -> bind(frame, BindMessage.read(frame), server, send);
            case MessageType.DESCRIBE -> describe(frame, TargetMessage.read(frame, "Describe"), server, send);
            case MessageType.CLOSE -> close(frame, TargetMessage.read(frame, "Close"), server, send);
            case MessageType.EXECUTE -> execute(frame, server, send);
            case MessageType.SYNC -> relay(frame, PendingRequest.SYNC, server, send);
            case MessageType.QUERY -> {
                if (DiscardStatementsCommand.isLoneQuery(frame)) {
                    discardAhead(frame, PendingRequest.Kind.QUERY, server, send);
                } else {
                    relay(frame, PendingRequest.QUERY, server, send);
                }
            }
            case MessageType.FUNCTION_CALL -> relay(frame, PendingRequest.QUERY, server, send);
            default -> send.accept(frame); // Flush, COPY data: no response of their own
        }
    }

    /**
     * Checks a Parse, Bind, Describe or Close as {@link #forward} would, without acting on it: throws
     * {@link ProtocolException} for a malformed one. The client's connection calls this as a message
     * arrives, so a malformed one is refused before it asks for a server or joins a queue.
     */
    public static void check(ByteBuf frame) {
        switch (PgFrames.type(frame)) {
            case MessageType.PARSE -> ParseMessage.read(frame);
            case MessageType.BIND -> BindMessage.read(frame);
            case MessageType.DESCRIBE -> TargetMessage.read(frame, "Describe");
            case MessageType.CLOSE -> TargetMessage.read(frame, "Close");
            default -> {
            }
        }
    }

    /**
     * Without a server: a client between transactions (so idle) that parses a statement some server
     * has already parsed successfully, or closes one, is answered by the pooler at once. Returns the
     * answer's type byte ('1' ParseComplete, '3' CloseComplete), or 0 when the message needs a
     * server; in that case nothing was consumed. A Parse answered here is prepared on a server when
     * the client first binds it. A malformed Parse or Close throws {@link ProtocolException} before
     * anything happens.
     */
    public byte answerWithoutServer(ByteBuf frame) {
        byte type = PgFrames.type(frame);
        if (type == MessageType.PARSE) {
            ParseMessage parse = ParseMessage.read(frame);
            if (!parse.named()) {
                return 0;
            }
            PreparedStatement known = registry.knownStatement(parse.definition());
            if (known == null || !known.validated()) {
                return 0;
            }
            String name = clientName(parse.body(), parse.body().readerIndex(), parse.nameEnd());
            if (clientStatements.containsKey(name)) {
                return 0; // a name in use: PostgreSQL refuses it (see parse)
            }
            int length = known.length();
            keepRoomFor(name, length);
            writableStatements().put(name, known);
            clientStatementCount = clientStatements.size();
            clientStatementBytes += length;
            counters.clientParse();
            frame.release();
            return '1';
        }
        if (type == MessageType.CLOSE) {
            TargetMessage close = TargetMessage.read(frame, "Close");
            if (close.namedStatement()) {
                forget(clientName(close.body(), close.nameStart(), close.nameEnd()));
                frame.release();
                return '3';
            }
        }
        return 0;
    }

    /** How many statement names the client holds; readable from any thread (SHOW CLIENTS). */
    public int clientStatementCount() {
        return clientStatementCount;
    }

    private void parse(ByteBuf frame, ParseMessage parse, Server server, Consumer<ByteBuf> send) {
        if (!parse.named()) {
            unnamedStatementDiscards = DiscardStatementsCommand.isLone(parse.body(), parse.definitionStart(), parse.textEnd());
            relay(frame, PendingRequest.PARSE, server, send);
            return;
        }
        String name = clientName(parse.body(), parse.body().readerIndex(), parse.nameEnd());
        PreparedStatement inUse = clientStatements.get(name);
        if (inUse != null) {
            refuseDuplicate(frame, parse, inUse, server, send);
            return;
        }
        keepRoomFor(name, parse.definitionLength());
        byte[] definition = parse.definition();
        frame.release();
        PreparedStatement statement = registry.statementFor(definition);
        writableStatements().put(name, statement);
        clientStatementCount = clientStatements.size();
        clientStatementBytes += definition.length;
        counters.clientParse();
        if (server.statements().contains(statement)) {
            if (server.inFailedTransaction() || server.tracker().batchEndPending()) {
                probe(statement, definition, name, server, send);
                return;
            }
            server.tracker().expect(new PendingRequest(PendingRequest.Kind.ANSWERED_PARSE, statement, name, this));
            return;
        }
        prepareOnServer(statement, server, send, new PendingRequest(PendingRequest.Kind.PARSE, statement, name, this));
    }

    private void bind(ByteBuf frame, BindMessage bind, Server server, Consumer<ByteBuf> send) {
        if (bind.statementEnd() > bind.statementStart()) {
            counters.bind();
        }
        if (bind.statementStart() == bind.body().readerIndex() + 1) { // the unnamed portal
            unnamedPortalDiscards = bind.statementEnd() == bind.statementStart() && unnamedStatementDiscards;
        }
        relayRenamed(frame, bind.body(), bind.statementStart(), bind.statementEnd(), PendingRequest.BIND, server, send);
    }

    private void describe(ByteBuf frame, TargetMessage describe, Server server, Consumer<ByteBuf> send) {
        if (describe.kind() == TargetMessage.STATEMENT) {
            relayRenamed(frame, describe.body(), describe.nameStart(), describe.nameEnd(), PendingRequest.DESCRIBE,
                    server, send);
        } else {
            relay(frame, PendingRequest.DESCRIBE, server, send);
        }
    }

    private void close(ByteBuf frame, TargetMessage close, Server server, Consumer<ByteBuf> send) {
        if (close.namedStatement()) {
            // The server keeps the statement for other clients; the client's name is forgotten.
            String name = clientName(close.body(), close.nameStart(), close.nameEnd());
            PreparedStatement held = forget(name);
            frame.release();
            server.tracker().expect(held == null ? PendingRequest.ANSWERED_CLOSE
                    : new PendingRequest(PendingRequest.Kind.ANSWERED_CLOSE, held, name, this));
            return;
        }
        relay(frame, PendingRequest.CLOSE, server, send);
    }

    /**
     * A Parse under a name the client already holds: PostgreSQL refuses it (42P05) and skips the rest of
     * the batch up to Sync, failing a transaction block. So that the server fails exactly so, the Parse
     * goes to it under the name the server knows the held statement by (prepared there first if needed);
     * the tracker gives the refusal the client's name. The client's name keeps its statement.
     */
    private void refuseDuplicate(ByteBuf frame, ParseMessage parse, PreparedStatement inUse, Server server,
                                 Consumer<ByteBuf> send) {
        ByteBuf body = parse.body();
        String shownName = shownName(body, body.readerIndex(), parse.nameEnd());
        byte[] definition = parse.definition();
        frame.release();
        if (!server.statements().contains(inUse)) {
            prepareOnServer(inUse, server, send, new PendingRequest(PendingRequest.Kind.INJECTED_PARSE, inUse));
        }
        sendParse(inUse.serverName(), definition, server, send,
                new PendingRequest(PendingRequest.Kind.DUPLICATE_PARSE, inUse, shownName));
    }

    /**
     * A Parse of a statement the server has, where the pooler cannot tell whether PostgreSQL would accept
     * the client's own: its transaction block failed (the server's last ReadyForQuery said so: PostgreSQL
     * refuses every Parse there but a COMMIT's or ROLLBACK's, and a message ahead of it in the batch may
     * end the block), or a batch written ahead of it is not answered yet (it may fail a block, or end one).
     * The statement goes to the server under {@link #PROBE_NAME} and is closed behind it, so PostgreSQL
     * gives the answer it would give the client's own, at its place in the batch; the name the client's
     * Bind is rewritten to is the one the server already holds. A batch read before the next is written,
     * outside a failed block, is answered by the pooler alone (the usual case).
     */
    private void probe(PreparedStatement statement, byte[] definition, String name, Server server,
                       Consumer<ByteBuf> send) {
        counters.serverParse();
        sendParse(PROBE_NAME, definition, server, send,
                new PendingRequest(PendingRequest.Kind.PROBED_PARSE, statement, name, this));
        server.tracker().expect(PendingRequest.PROBE_CLOSE);
        send.accept(PreparedStatement.closeMessage(server.alloc(), PROBE_NAME));
    }

    /** A Parse of {@code definition} under {@code serverName}; {@code request} says how its answer is read. */
    private static void sendParse(String serverName, byte[] definition, Server server, Consumer<ByteBuf> send,
                                  PendingRequest request) {
        server.tracker().expect(request);
        byte[] nameBytes = serverName.getBytes(StandardCharsets.US_ASCII);
        ByteBuf out = server.alloc().buffer(PgFrames.HEADER_LENGTH + nameBytes.length + 1 + definition.length);
        int start = PgFrames.beginMessage(out, MessageType.PARSE);
        out.writeBytes(nameBytes).writeByte(0).writeBytes(definition);
        PgFrames.endMessage(out, start);
        send.accept(out);
    }

    /** An Execute; of the unnamed portal bound from a lone DEALLOCATE ALL or DISCARD ALL, the first one discards. */
    private void execute(ByteBuf frame, Server server, Consumer<ByteBuf> send) {
        ByteBuf body = PgFrames.body(frame);
        if (unnamedPortalDiscards && body.isReadable() && body.getByte(body.readerIndex()) == 0) {
            unnamedPortalDiscards = false;
            discardAhead(frame, PendingRequest.Kind.EXECUTE, server, send);
            return;
        }
        relay(frame, PendingRequest.EXECUTE, server, send);
    }

    /**
     * The message about to go drops every prepared statement when it runs (a lone DEALLOCATE ALL or DISCARD
     * ALL): whatever the client writes behind it meets an empty server, so the client's names and the
     * server's list are emptied now, as it goes out, not at its answer, which comes after the messages
     * behind it went out. psycopg 3 writes its own DEALLOCATE ALL so in pipeline mode, with the statements
     * it prepares again behind it; emptied at the answer, its Binds had gone out under names the server
     * had just dropped ("prepared statement POOLER_n does not exist"). If it does not run (refused, as
     * DISCARD ALL inside a transaction block is, or skipped behind an error), the tracker gives the server's
     * list back, and the client its names ({@link #undoSkipped}), as PostgreSQL kept them.
     */
    private void discardAhead(ByteBuf frame, PendingRequest.Kind kind, Server server, Consumer<ByteBuf> send) {
        Map<String, PreparedStatement> namesBefore = clientStatements; // not written again once let go
        clientStatementsDiscarded();
        server.tracker().discardAhead(PendingRequest.discarding(kind, this, namesBefore));
        send.accept(frame);
    }

    /** DEALLOCATE ALL or DISCARD ALL ran for this client: its names are gone, as on a direct connection. */
    public void clientStatementsDiscarded() {
        clientStatements = Map.of(); // the empty map every client starts with, not a cleared one kept
        clientStatementCount = 0;
        budget.giveBack(clientStatementBytes);
        clientStatementBytes = 0;
    }

    /** The client is gone: what it kept is given back to the budget. Once or more; nothing else after. */
    public void clientClosed() {
        closed = true;
        clientStatementsDiscarded();
    }

    /** The bytes of the definitions the client keeps, as counted in the budget. Client loop. */
    public long clientStatementBytes() {
        return clientStatementBytes;
    }

    /**
     * A Close of a name: its statement is forgotten and its bytes given back; an unknown name is nothing.
     * Returns the statement the name held, or null.
     */
    private PreparedStatement forget(String name) {
        if (clientStatements.isEmpty()) {
            return null; // the shared empty map, never written
        }
        PreparedStatement closed = clientStatements.remove(name);
        clientStatementCount = clientStatements.size();
        if (closed != null) {
            int length = closed.length();
            clientStatementBytes -= length;
            budget.giveBack(length);
        }
        return closed;
    }

    /**
     * PostgreSQL did not do what {@code request}, one of this client's Parse or Close messages, asked: it
     * refused the Parse, or skipped either behind an error earlier in the batch. What the message changed in
     * the client's names as it went out is taken back, so the names are a direct connection's: a name whose
     * Parse failed is free, and a name whose Close was skipped still holds its statement. The tracker calls
     * this at the batch's ReadyForQuery for each such request, the last first, so that undoing them one by
     * one restores the names the batch started with. Nothing after the client's end: its names are gone.
     *
     * <p>NOTE: exact when the client read the batch's answers before writing its next batch. A batch written
     * behind this one, before its answers came, was rewritten against the names as they were then (README,
     * "Prepared statements in pipelined batches"); a name such a batch changed again is left as it is.
     *
     * <p>A skipped Close gives its name back only if the budget has room for its bytes again (it gave them
     * back at the Close); if all clients' statements took that room meanwhile, the name stays closed.
     */
    void undoSkipped(PendingRequest request) {
        if (closed) {
            return;
        }
        String name = request.clientName();
        PreparedStatement statement = request.statement();
        if (request.discardsStatements()) {
            request.namesBefore().forEach(this::takeBack);
        } else if (request.kind() == PendingRequest.Kind.ANSWERED_CLOSE) {
            takeBack(name, statement);
        } else if (clientStatements.get(name) == statement) {
            forget(name);
        }
    }

    /**
     * A name a Close or a DEALLOCATE ALL let go that PostgreSQL kept after all: it holds {@code statement}
     * again, unless the client has used the name since, or the budget has no room for its bytes again (it
     * gave them back as the name went).
     */
    private void takeBack(String name, PreparedStatement statement) {
        int length = statement.length();
        if (!clientStatements.containsKey(name) && clientStatementBytes + length <= budget.clientLimit()
                && clientStatements.size() < MAX_CLIENT_STATEMENTS && budget.take(length)) {
            writableStatements().put(name, statement);
            clientStatementCount = clientStatements.size();
            clientStatementBytes += length;
        }
    }

    /**
     * Relays a Bind or Describe naming a statement: a name the client holds is replaced with the server-side
     * one (between {@code nameStart} and {@code nameEnd}, indexes into {@code body}, the frame's body, already
     * checked), the statement prepared on this server first if needed, and its answer is expected as
     * {@code plain}'s kind with the statement and the client's name (its bytes), so that PostgreSQL's "does not exist"
     * names the client's statement (ResponseTracker). The unnamed statement and an unknown name go through
     * unchanged, for PostgreSQL to report, as {@code plain}.
     */
    private void relayRenamed(ByteBuf frame, ByteBuf body, int nameStart, int nameEnd, PendingRequest plain,
                              Server server, Consumer<ByteBuf> send) {
        String key = nameEnd == nameStart ? null : clientName(body, nameStart, nameEnd);
        PreparedStatement statement = key == null ? null : clientStatements.get(key);
        if (statement == null) {
            relay(frame, plain, server, send);
            return;
        }
        if (!server.statements().contains(statement)) {
            prepareOnServer(statement, server, send, new PendingRequest(PendingRequest.Kind.INJECTED_PARSE, statement));
        }
        // The name's bytes, one char per byte: the key itself unless the name is longer than a key keeps.
        // Decoded only if PostgreSQL's error needs it (ResponseTracker), not on every Bind.
        String nameBytes = nameEnd - nameStart > NAME_BYTES_KEPT
                ? body.toString(nameStart, nameEnd - nameStart, StandardCharsets.ISO_8859_1) : key;
        PendingRequest expected = new PendingRequest(plain.kind(), statement, nameBytes);
        byte[] serverName = statement.serverName().getBytes(StandardCharsets.US_ASCII);
        int bodyStart = body.readerIndex();
        ByteBuf out = server.alloc().buffer(frame.readableBytes() + serverName.length);
        int start = PgFrames.beginMessage(out, PgFrames.type(frame));
        out.writeBytes(body, bodyStart, nameStart - bodyStart);
        out.writeBytes(serverName);
        out.writeBytes(body, nameEnd, body.writerIndex() - nameEnd);
        PgFrames.endMessage(out, start);
        frame.release();
        relay(out, expected, server, send);
    }

    /** A statement name as the client wrote it, for an error message (PostgreSQL shows it whole). */
    private static String shownName(ByteBuf body, int start, int end) {
        return body.toString(start, end - start, StandardCharsets.UTF_8);
    }

    /**
     * The key a client's statement name is kept under: its first {@link #NAME_BYTES_KEPT} bytes, one
     * char per byte (ISO-8859-1 maps bytes to chars one to one, so a multi-byte character cut in two
     * still keys exactly those bytes).
     */
    private static String clientName(ByteBuf body, int start, int end) {
        return body.toString(start, Math.min(end - start, NAME_BYTES_KEPT), StandardCharsets.ISO_8859_1);
    }

    /**
     * Checks that the client may keep one more name, {@code name}, for a definition of {@code length}
     * bytes, and counts its bytes in the budget; throws 53400 and counts nothing if not. The limits in a
     * fixed order: names, the client's bytes, all clients' bytes. NOTE: the last check counts, so the
     * caller keeps the name right after.
     */
    private void keepRoomFor(String name, int length) {
        if (clientStatements.size() >= MAX_CLIENT_STATEMENTS && !clientStatements.containsKey(name)) {
            throw new ProtocolException(SqlState.CONFIGURATION_LIMIT_EXCEEDED, "too many prepared statements: "
                    + MAX_CLIENT_STATEMENTS + " named statements at most per client; close some");
        }
        if (clientStatementBytes + length > budget.clientLimit()) {
            throw new ProtocolException(SqlState.CONFIGURATION_LIMIT_EXCEEDED, "prepared statements too large: "
                    + budget.clientLimit() + " bytes of statement text at most per client; close some");
        }
        if (!budget.take(length)) {
            throw new ProtocolException(SqlState.CONFIGURATION_LIMIT_EXCEEDED, "prepared statements too large: "
                    + "the pooler keeps " + budget.limit() + " bytes of statement text at most for all clients");
        }
    }

    /** Sends the Parse of {@code statement}, whose answer is {@code request} (a PARSE or INJECTED_PARSE of it). */
    private void prepareOnServer(PreparedStatement statement, Server server, Consumer<ByteBuf> send,
                                 PendingRequest request) {
        for (PreparedStatement evicted : server.statements().add(statement, capacity.getAsInt())) {
            server.tracker().expect(new PendingRequest(PendingRequest.Kind.INJECTED_CLOSE, evicted));
            send.accept(evicted.closeMessage(server.alloc()));
        }
        server.tracker().expect(request);
        counters.serverParse();
        send.accept(statement.parseMessage(server.alloc()));
    }

    private static void relay(ByteBuf frame, PendingRequest expected, Server server, Consumer<ByteBuf> send) {
        server.tracker().expect(expected);
        send.accept(frame);
    }

    /** The map of named statements, made on the first one. */
    private Map<String, PreparedStatement> writableStatements() {
        if (!(clientStatements instanceof HashMap)) {
            clientStatements = new HashMap<>();
        }
        return clientStatements;
    }
}
