package io.pooler.protocol.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Named statements across servers, with the server's side played by hand: what the pooler sends
 * to each server, and what the client receives in which order.
 */
class StatementRewriterTest {
    private final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    private final StatementRegistry registry = new StatementRegistry();

    /** A server as the rewriter and tracker see it, recording what is sent to it. */
    private final class FakeServer implements StatementRewriter.Server {
        /** What the server's last ReadyForQuery said: a failed transaction block. */
        boolean failedTransaction;
        final ServerStatements statements = new ServerStatements();
        final ResponseTracker tracker = new ResponseTracker(statements);
        final List<String> sent = new ArrayList<>();
        final List<String> toClient = new ArrayList<>();

        @Override
        public ServerStatements statements() {
            return statements;
        }

        @Override
        public ResponseTracker tracker() {
            return tracker;
        }

        @Override
        public ByteBufAllocator alloc() {
            return alloc;
        }

        @Override
        public boolean inFailedTransaction() {
            return failedTransaction;
        }

        void receive(ByteBuf frame) {
            sent.add(describe(frame));
            frame.release();
        }

        /** The server answers with a message of this type; returns whether it reached the client. */
        boolean answer(char type) {
            ByteBuf message = alloc.buffer().writeByte(type).writeInt(4);
            boolean relay = tracker.onServerMessage((byte) type, alloc, f -> {
                toClient.add(String.valueOf((char) PgFrames.type(f)));
                f.release();
            });
            if (relay) {
                toClient.add(String.valueOf(type));
            }
            tracker.answerDue(alloc, f -> {
                toClient.add(String.valueOf((char) PgFrames.type(f)));
                f.release();
            });
            message.release();
            return relay;
        }

        /** The server answers with this ErrorResponse, read whole, as the server's handler gives it. */
        void refuse(ByteBuf error) {
            ByteBuf relayed = tracker.onServerFrame(error, alloc, f -> {
                toClient.add(String.valueOf((char) PgFrames.type(f)));
                f.release();
            });
            if (relayed != null) {
                toClient.add("E");
                relayed.release();
            }
        }
    }

    /**
     * A schema change outdated a statement servers share: PostgreSQL's refusal of one server's copy
     * (RevalidateCachedQuery's 0A000, or XX000 for a parameter type dropped) has every server's copy closed
     * and prepared again before its next use. An ordinary error at the Bind (a parameter's bad value) does
     * not, nor does the same code from elsewhere.
     */
    @Test
    void aStatementAServerRefusedAsOutdatedIsPreparedAgainOnEveryServer() {
        StatementRewriter client = new StatementRewriter(registry, 10);
        FakeServer first = new FakeServer();
        FakeServer second = new FakeServer();
        client.forward(parse("S_1", "select * from t"), first, first::receive);
        bindAndAnswer(client, first);
        bindAndAnswer(client, second);
        assertEquals(List.of("P POOLER_1", "B POOLER_1", "S"), second.sent);

        for (ByteBuf ordinary : List.of(errorFrame("22P02", "invalid input syntax for type integer: \"x\"", "pg_strtoint32_safe"),
                errorFrame("0A000", "cached plan must not change result type", "exec_bind_message"),
                errorFrame("XX000", "cache lookup failed for relation 1", "RelationIdGetRelation"))) {
            first.sent.clear();
            client.forward(bind("", "S_1"), first, first::receive);
            client.forward(sync(), first, first::receive);
            first.refuse(ordinary);
            first.answer('Z');
            first.sent.clear();
            bindAndAnswer(client, first);
            assertEquals(List.of("B POOLER_1", "S"), first.sent, "not prepared again after an ordinary error");
        }

        for (ByteBuf outdated : List.of(errorFrame("0A000", "cached plan must not change result type", "RevalidateCachedQuery"),
                errorFrame("XX000", "cache lookup failed for type 16394", "getTypeInputInfo"))) {
            first.sent.clear();
            client.forward(bind("", "S_1"), first, first::receive);
            client.forward(sync(), first, first::receive);
            first.toClient.clear();
            first.refuse(outdated);
            first.answer('Z');
            assertEquals(List.of("E", "Z"), first.toClient, "the refusal reaches the client");
            for (FakeServer server : List.of(first, second)) {
                server.sent.clear();
                server.toClient.clear();
                client.forward(bind("", "S_1"), server, server::receive);
                client.forward(sync(), server, server::receive);
                assertEquals(List.of("C POOLER_1", "P POOLER_1", "B POOLER_1", "S"), server.sent,
                        "the outdated copy closed and prepared again, on the server that reported it and the other");
                assertFalse(server.answer('3'), "the pooler's Close is not the client's");
                assertFalse(server.answer('1'), "nor its Parse");
                server.answer('2');
                server.answer('Z');
                assertEquals(List.of("2", "Z"), server.toClient);
                server.sent.clear();
                bindAndAnswer(client, server);
                assertEquals(List.of("B POOLER_1", "S"), server.sent, "once");
            }
        }
    }

    /** Bind of S_1 and Sync, answered BindComplete and ReadyForQuery (after any Parse the pooler put first). */
    private void bindAndAnswer(StatementRewriter client, FakeServer server) {
        client.forward(bind("", "S_1"), server, server::receive);
        client.forward(sync(), server, server::receive);
        if (server.sent.contains("P POOLER_1")) {
            server.answer('1');
        }
        server.answer('2');
        server.answer('Z');
    }

    /** An ErrorResponse as PostgreSQL writes it, with the routine that raised it. */
    private ByteBuf errorFrame(String sqlState, String message, String routine) {
        ByteBuf out = alloc.buffer();
        int start = PgFrames.beginMessage(out, MessageType.ERROR_RESPONSE);
        for (String field : List.of("SERROR", "VERROR", "C" + sqlState, "M" + message, "R" + routine)) {
            PgFrames.writeCString(out, field);
        }
        out.writeByte(0);
        PgFrames.endMessage(out, start);
        return out;
    }

    @Test
    void theSecondServerGetsTheStatementPreparedBeforeTheBind() {
        StatementRewriter client = new StatementRewriter(registry, 10);
        FakeServer first = new FakeServer();
        client.forward(parse("S_1", "select $1"), first, first::receive);
        client.forward(bind("", "S_1"), first, first::receive);
        client.forward(sync(), first, first::receive);
        assertEquals(List.of("P POOLER_1", "B POOLER_1", "S"), first.sent);
        first.answer('1');
        first.answer('2');
        first.answer('Z');
        assertEquals(List.of("1", "2", "Z"), first.toClient);

        FakeServer second = new FakeServer();
        client.forward(bind("", "S_1"), second, second::receive);
        client.forward(sync(), second, second::receive);
        assertEquals(List.of("P POOLER_1", "B POOLER_1", "S"), second.sent, "prepared there first");
        assertFalse(second.answer('1'), "the injected Parse's ParseComplete is swallowed");
        second.answer('2');
        second.answer('Z');
        assertEquals(List.of("2", "Z"), second.toClient);
    }

    @Test
    void aParseTheServerAlreadyHasIsAnsweredByThePoolerInPlace() {
        FakeServer server = new FakeServer();
        StatementRewriter a = new StatementRewriter(registry, 10);
        a.forward(parse("a1", "select 1"), server, server::receive);
        a.forward(sync(), server, server::receive);
        server.answer('1');
        server.answer('Z');
        server.sent.clear();
        server.toClient.clear();

        StatementRewriter b = new StatementRewriter(registry, 10);
        b.forward(parse("b1", "select 1"), server, server::receive);
        b.forward(bind("", "b1"), server, server::receive);
        b.forward(execute(), server, server::receive);
        b.forward(sync(), server, server::receive);
        assertEquals(List.of("B POOLER_1", "E", "S"), server.sent, "no second Parse");
        server.answer('2');
        server.answer('C');
        server.answer('Z');
        assertEquals(List.of("1", "2", "C", "Z"), server.toClient, "ParseComplete comes first, where b expects it");
    }

    /**
     * In a failed transaction block PostgreSQL refuses a Parse (25P02) and skips the batch; answered by
     * the pooler, the batch ran on to its Bind instead, and the client kept a name PostgreSQL never made.
     * It goes to the server under the probe name, closed behind it, and PostgreSQL's answer is the
     * client's: a refusal, or ParseComplete for a ROLLBACK, which PostgreSQL parses there.
     */
    @Test
    void aParseInAFailedTransactionGoesToTheServerForItsAnswer() {
        FakeServer server = new FakeServer();
        prepared(new StatementRewriter(registry, 10), server, "a1", "select 1", "a2", "ROLLBACK");
        server.sent.clear();
        server.toClient.clear();

        server.failedTransaction = true;
        StatementRewriter b = new StatementRewriter(registry, 10);
        b.forward(parse("b1", "select 1"), server, server::receive);
        b.forward(bind("", "b1"), server, server::receive);
        b.forward(execute(), server, server::receive);
        b.forward(sync(), server, server::receive);
        assertEquals(List.of("P POOLER_PROBE", "C POOLER_PROBE", "B POOLER_1", "E", "S"), server.sent,
                "the Parse goes to the server");
        server.answer('E');
        server.answer('Z');
        assertEquals(List.of("E", "Z"), server.toClient, "its refusal, and nothing the pooler made up");
        assertEquals(0, b.clientStatementCount(), "no name kept, as on a direct connection");
        assertEquals(2, server.statements.size(), "the server still holds both statements");

        server.sent.clear();
        server.toClient.clear();
        b.forward(parse("b2", "ROLLBACK"), server, server::receive);
        b.forward(sync(), server, server::receive);
        assertEquals(List.of("P POOLER_PROBE", "C POOLER_PROBE", "S"), server.sent);
        server.answer('1');
        assertFalse(server.answer('3'), "the probe's CloseComplete is the pooler's");
        server.answer('Z');
        assertEquals(List.of("1", "Z"), server.toClient, "PostgreSQL parses a ROLLBACK in a failed block");
        assertEquals(1, b.clientStatementCount());
    }

    /**
     * A Parse written behind a batch not answered yet meets a state the pooler cannot know: the batch ahead
     * may fail a transaction block. It goes to the server under the probe name; a batch read before the
     * next is written keeps the pooler's own answer.
     */
    @Test
    void aParseBehindAnUnansweredBatchGoesToTheServerForItsAnswer() {
        FakeServer server = new FakeServer();
        prepared(new StatementRewriter(registry, 10), server, "a1", "select 1");
        server.sent.clear();
        server.toClient.clear();

        StatementRewriter b = new StatementRewriter(registry, 10);
        b.forward(parse("", "select 1/0"), server, server::receive); // inside a transaction block
        b.forward(bind("", ""), server, server::receive);
        b.forward(execute(), server, server::receive);
        b.forward(sync(), server, server::receive);
        b.forward(parse("b1", "select 1"), server, server::receive);
        b.forward(sync(), server, server::receive);
        assertEquals(List.of("P ", "B ", "E", "S", "P POOLER_PROBE", "C POOLER_PROBE", "S"), server.sent);
        server.answer('1');
        server.answer('2');
        server.answer('E');
        server.answer('Z'); // 'E': the block failed
        server.answer('E'); // so the probe is refused (25P02), and its Close skipped
        server.answer('Z');
        assertEquals(List.of("1", "2", "E", "Z", "E", "Z"), server.toClient, "the refusal the client's Parse got");
        assertEquals(0, b.clientStatementCount(), "no name kept");

        server.sent.clear();
        b.forward(parse("b1", "select 1"), server, server::receive);
        b.forward(sync(), server, server::receive);
        assertEquals(List.of("S"), server.sent, "nothing ahead: answered by the pooler");
    }

    @Test
    void aFailedOrSkippedParseIsForgottenByServerAndClientAndNothingIsAnsweredAfterTheError() {
        FakeServer server = new FakeServer();
        StatementRewriter client = new StatementRewriter(registry, 10);
        client.forward(parse("bad", "selec 1"), server, server::receive);
        client.forward(parse("later", "select 2"), server, server::receive);
        client.forward(sync(), server, server::receive);
        server.answer('E');
        server.answer('Z');
        assertEquals(List.of("E", "Z"), server.toClient);
        assertEquals(0, server.statements.size(), "neither statement exists on the server");
        assertTrue(server.tracker.isIdle());
        // A direct connection keeps no name for a Parse that failed or was skipped behind an error, so
        // neither may the pooler: a later Bind of the name goes to PostgreSQL as it is, for its 26000.
        assertEquals(0, client.clientStatementCount(), "no name kept");
        server.sent.clear();
        client.forward(bind("", "later"), server, server::receive);
        client.forward(bind("", "bad"), server, server::receive);
        assertEquals(List.of("B later", "B bad"), server.sent, "unknown names, sent as they are");
    }

    /** A Close skipped behind an error leaves the name its statement, and is not answered. */
    @Test
    void aSkippedCloseKeepsTheName() {
        FakeServer server = new FakeServer();
        StatementRewriter client = new StatementRewriter(registry, 10);
        client.forward(parse("s", "select 4"), server, server::receive);
        client.forward(sync(), server, server::receive);
        server.answer('1');
        server.answer('Z');
        client.forward(bind("", "missing"), server, server::receive);
        client.forward(close('S', "s"), server, server::receive);
        client.forward(parse("s", "select 5"), server, server::receive);
        client.forward(sync(), server, server::receive);
        server.answer('E');
        server.answer('Z');
        assertEquals(List.of("1", "Z", "E", "Z"), server.toClient, "no CloseComplete or ParseComplete after the error");
        assertEquals(1, client.clientStatementCount());
        server.sent.clear();
        client.forward(bind("", "s"), server, server::receive);
        assertEquals(List.of("B POOLER_1"), server.sent, "the name still holds its first statement");
    }

    /**
     * A lone DISCARD ALL empties the client's names as it goes out; refused (inside a transaction block),
     * the names come back with their bytes in the budget, and the server's list too. Run, they stay gone.
     */
    @Test
    void aRefusedDiscardGivesTheClientItsNamesBackAndOneThatRanDoesNot() {
        FakeServer server = new FakeServer();
        StatementRewriter client = new StatementRewriter(registry, 10);
        prepared(client, server, "s", "select 4", "t", "select 5");
        long bytes = client.clientStatementBytes();

        client.forward(query("DISCARD ALL"), server, server::receive);
        assertEquals(0, client.clientStatementCount(), "emptied as it went out");
        server.answer('E');
        server.answer('Z');
        assertEquals(2, client.clientStatementCount(), "refused: PostgreSQL kept them");
        assertEquals(bytes, client.clientStatementBytes());
        server.sent.clear();
        client.forward(bind("", "t"), server, server::receive);
        client.forward(bind("", "s"), server, server::receive);
        assertEquals(List.of("B POOLER_2", "B POOLER_1"), server.sent,
                "each name its own statement, still on the server");
        client.forward(sync(), server, server::receive);
        server.answer('2');
        server.answer('2');
        server.answer('Z');

        client.forward(query("DEALLOCATE ALL"), server, server::receive);
        server.tracker.statementsDiscarded(); // the relay's part, at the CommandComplete tag
        server.answer('C');
        server.answer('Z');
        assertEquals(0, client.clientStatementCount(), "it ran: the names are gone");
        assertEquals(0, client.clientStatementBytes());
    }

    @Test
    void closingAStatementKeepsItOnTheServerAndAnswersAtOnce() {
        FakeServer server = new FakeServer();
        StatementRewriter client = new StatementRewriter(registry, 10);
        client.forward(parse("s", "select 3"), server, server::receive);
        client.forward(close('S', "s"), server, server::receive);
        client.forward(sync(), server, server::receive);
        assertEquals(List.of("P POOLER_1", "S"), server.sent);
        server.answer('1');
        server.answer('Z');
        assertEquals(List.of("1", "3", "Z"), server.toClient);
        assertEquals(1, server.statements.size());
    }

    @Test
    void theLeastRecentlyUsedStatementIsClosedBeyondCapacity() {
        FakeServer server = new FakeServer();
        StatementRewriter client = new StatementRewriter(registry, 2);
        client.forward(parse("a", "select 'a'"), server, server::receive);
        client.forward(parse("b", "select 'b'"), server, server::receive);
        client.forward(parse("c", "select 'c'"), server, server::receive);
        client.forward(sync(), server, server::receive);
        assertEquals(List.of("P POOLER_1", "P POOLER_2", "C POOLER_1", "P POOLER_3", "S"), server.sent);
        server.answer('1');
        server.answer('1');
        assertFalse(server.answer('3'), "the eviction's CloseComplete is the pooler's own");
        server.answer('1');
        server.answer('Z');
        assertEquals(List.of("1", "1", "1", "Z"), server.toClient);
    }

    @Test
    void unnamedStatementsPassThroughUntouched() {
        FakeServer server = new FakeServer();
        StatementRewriter client = new StatementRewriter(registry, 10);
        client.forward(parse("", "select 4"), server, server::receive);
        client.forward(bind("", ""), server, server::receive);
        client.forward(sync(), server, server::receive);
        assertEquals(List.of("P ", "B ", "S"), server.sent);
        assertEquals(0, registry.size());
    }

    @Test
    void aValidatedStatementIsAnsweredWithoutAServerAndPreparedAtBind() {
        FakeServer first = new FakeServer();
        StatementRewriter a = new StatementRewriter(registry, 10);
        ByteBuf unanswered = parse("x", "select 5");
        assertEquals(0, a.answerWithoutServer(unanswered), "never parsed anywhere: needs a server");
        unanswered.release(); // not answered: the caller still owns it
        a.forward(parse("x", "select 5"), first, first::receive);
        a.forward(sync(), first, first::receive);
        first.answer('1');
        first.answer('Z');

        StatementRewriter b = new StatementRewriter(registry, 10);
        assertEquals('1', b.answerWithoutServer(parse("y", "select 5")), "validated: answered by the pooler");
        assertEquals('3', b.answerWithoutServer(close('S', "gone")));
        FakeServer second = new FakeServer();
        b.forward(bind("", "y"), second, second::receive);
        assertEquals(List.of("P POOLER_1", "B POOLER_1"), second.sent, "prepared on the server it gets");
        // The first server still has the statement: it keeps it alive in the registry, which holds it weakly.
        java.lang.ref.Reference.reachabilityFence(first);
    }

    @Test
    void aFailedParseIsNeverAnsweredWithoutAServer() {
        FakeServer server = new FakeServer();
        StatementRewriter a = new StatementRewriter(registry, 10);
        a.forward(parse("bad", "selec 6"), server, server::receive);
        a.forward(sync(), server, server::receive);
        server.answer('E');
        server.answer('Z');
        ByteBuf again = parse("again", "selec 6");
        assertEquals(0, new StatementRewriter(registry, 10).answerWithoutServer(again));
        again.release(); // not answered: the caller still owns it
    }

    /**
     * The bytes of kept definitions, per client and for all clients: a Parse past either bound is refused
     * (53400) with nothing counted and the frame still the caller's, and Close, DISCARD ALL and the
     * client's end give back what each name counted, whichever way it was kept.
     */
    @Test
    void keptDefinitionsAreBoundedPerClientAndForAllAndGivenBackOnEveryPath() {
        int one = definitionLength("select 1"); // every "select N" below is as long
        StatementBudget budget = new StatementBudget(2L * one, 3L * one);
        FakeServer server = new FakeServer();
        StatementRewriter a = new StatementRewriter(registry, 10, budget);
        StatementRewriter b = new StatementRewriter(registry, 10, budget);
        a.forward(parse("a1", "select 1"), server, server::receive);
        a.forward(parse("a2", "select 2"), server, server::receive);
        a.forward(sync(), server, server::receive);
        server.answer('1');
        server.answer('1');
        server.answer('Z');
        assertRefused(a, parse("a3", "select 3"), server, "past its own bound");
        assertEquals(2L * one, budget.kept());

        // Through the pooler's own answer too: a validated statement, named by a second client.
        assertEquals('1', b.answerWithoutServer(parse("b1", "select 1")));
        assertEquals(3L * one, budget.kept());
        assertRefused(b, parse("b2", "select 4"), server, "past all clients' bound");
        assertEquals(3L * one, budget.kept(), "a refused Parse counts nothing");

        a.forward(close('S', "a1"), server, server::receive);
        assertEquals(2L * one, budget.kept());
        assertEquals(one, a.clientStatementBytes());
        assertEquals('3', a.answerWithoutServer(close('S', "a2")));
        assertEquals('3', a.answerWithoutServer(close('S', "a2")), "closed already: nothing more given back");
        assertEquals(one, budget.kept());
        assertEquals(0, a.clientStatementBytes());

        b.forward(parse("b2", "select 5"), server, server::receive);
        b.clientStatementsDiscarded();
        assertEquals(0, budget.kept(), "DEALLOCATE ALL and DISCARD ALL");
        b.forward(parse("b3", "select 6"), server, server::receive);
        a.forward(parse("a4", "select 7"), server, server::receive);
        b.clientClosed();
        b.clientClosed();
        assertEquals(one, budget.kept(), "a client's end, once however often told");
        a.clientClosed();
        assertEquals(0, budget.kept());
    }

    /** {@code client} parses each name's text (name, text, name, text...) in one batch, and the server accepts them. */
    private void prepared(StatementRewriter client, FakeServer server, String... namesAndTexts) {
        for (int i = 0; i < namesAndTexts.length; i += 2) {
            client.forward(parse(namesAndTexts[i], namesAndTexts[i + 1]), server, server::receive);
        }
        client.forward(sync(), server, server::receive);
        for (int i = 0; i < namesAndTexts.length; i += 2) {
            server.answer('1');
        }
        server.answer('Z');
    }

    private void assertRefused(StatementRewriter client, ByteBuf frame, FakeServer server, String why) {
        List<String> sentBefore = List.copyOf(server.sent);
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> client.forward(frame, server, server::receive), why);
        assertEquals(SqlState.CONFIGURATION_LIMIT_EXCEEDED, e.sqlState(), why);
        assertEquals(1, frame.refCnt(), "still the caller's");
        assertEquals(sentBefore, server.sent, "nothing sent");
        frame.release();
    }

    private int definitionLength(String query) {
        ByteBuf frame = parse("", query);
        int length = ParseMessage.read(frame).definitionLength();
        frame.release();
        return length;
    }

    // ---- messages ----

    private ByteBuf parse(String name, String query) {
        ByteBuf out = alloc.buffer();
        int start = PgFrames.beginMessage(out, MessageType.PARSE);
        PgFrames.writeCString(out, name);
        PgFrames.writeCString(out, query);
        out.writeShort(0);
        PgFrames.endMessage(out, start);
        return out;
    }

    private ByteBuf bind(String portal, String statement) {
        ByteBuf out = alloc.buffer();
        int start = PgFrames.beginMessage(out, MessageType.BIND);
        PgFrames.writeCString(out, portal);
        PgFrames.writeCString(out, statement);
        out.writeShort(0).writeShort(0).writeShort(0);
        PgFrames.endMessage(out, start);
        return out;
    }

    private ByteBuf close(char kind, String name) {
        ByteBuf out = alloc.buffer();
        int start = PgFrames.beginMessage(out, MessageType.CLOSE);
        out.writeByte(kind);
        PgFrames.writeCString(out, name);
        PgFrames.endMessage(out, start);
        return out;
    }

    private ByteBuf execute() {
        ByteBuf out = alloc.buffer();
        int start = PgFrames.beginMessage(out, MessageType.EXECUTE);
        PgFrames.writeCString(out, "");
        out.writeInt(0);
        PgFrames.endMessage(out, start);
        return out;
    }

    private ByteBuf query(String sql) {
        ByteBuf out = alloc.buffer();
        int start = PgFrames.beginMessage(out, MessageType.QUERY);
        PgFrames.writeCString(out, sql);
        PgFrames.endMessage(out, start);
        return out;
    }

    private ByteBuf sync() {
        return alloc.buffer().writeByte(MessageType.SYNC).writeInt(4);
    }

    /** "P name" for Parse, "B statement" for Bind, "C name" for Close, the type letter otherwise. */
    private static String describe(ByteBuf frame) {
        ByteBuf body = PgFrames.body(frame);
        switch (PgFrames.type(frame)) {
            case MessageType.PARSE:
                return "P " + cstring(body, 0);
            case MessageType.BIND:
                int portalEnd = body.indexOf(0, body.writerIndex(), (byte) 0);
                return "B " + cstring(body, portalEnd + 1);
            case MessageType.CLOSE:
                return "C " + cstring(body, 1);
            default:
                return String.valueOf((char) PgFrames.type(frame));
        }
    }

    private static String cstring(ByteBuf body, int from) {
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        return body.toString(from, end - from, StandardCharsets.UTF_8);
    }
}
