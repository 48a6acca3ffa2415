package io.pooler.protocol.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 9, item 5: Parse, Bind, Describe and Close as a hostile client sends them, truncated at every
 * offset or with impossible counts and lengths. Each must be refused with a ProtocolException (08P01),
 * never an IndexOutOfBoundsException, and before anything happened: nothing sent, nothing expected from
 * the server, the frame still the caller's, unchanged, to release.
 *
 * <p>The messages are built byte for byte as PgJDBC's QueryExecutorImpl sends them.
 */
class StatementRewriterMalformedInputTest {
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final StatementRegistry registry = new StatementRegistry();
    private final List<ByteBuf> sentToServer = new ArrayList<>();
    private StatementRewriter client;
    /** A server that does not have S_1 yet, so a Bind or Describe of it would make the rewriter prepare it. */
    private FakeServer fresh;

    private final class FakeServer implements StatementRewriter.Server {
        final ServerStatements statements = new ServerStatements();
        final ResponseTracker tracker = new ResponseTracker(statements);

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
            return false;
        }
    }

    @BeforeEach
    void clientWithAStatementPreparedElsewhere() {
        client = new StatementRewriter(registry, 10);
        FakeServer first = new FakeServer();
        Consumer<ByteBuf> discard = ByteBuf::release;
        client.forward(pgjdbcParse("S_1", "select $1::int4", 23), first, discard);
        client.forward(sync(), first, discard);
        fresh = new FakeServer();
    }

    @AfterEach
    void releaseWhatWasSent() {
        sentToServer.forEach(ByteBuf::release);
    }

    @Test
    void wellFormedMessagesPass() {
        for (ByteBuf message : List.of(pgjdbcBind("", "S_1"), describe('S', "S_1"), describe('P', ""),
                close('P', "C_1"), pgjdbcParse("S_2", "select 2", 0), close('S', "S_2"))) {
            client.forward(message, fresh, sentToServer::add);
        }
        assertEquals(List.of("P POOLER_1", "B POOLER_1", "D POOLER_1", "D ", "C P", "P POOLER_2"),
                sentToServer.stream().map(StatementRewriterMalformedInputTest::summary).toList());
    }

    @Test
    void everyTruncationIsRefusedBeforeAnythingHappens() {
        List<ByteBuf> messages = List.of(pgjdbcParse("S_3", "select $1::int4", 23), pgjdbcBind("", "S_1"),
                pgjdbcBind("C_1", ""), describe('S', "S_1"), describe('P', ""), close('S', "S_1"), close('P', "C_1"));
        for (ByteBuf whole : messages) {
            ByteBuf body = PgFrames.body(whole);
            for (int length = 0; length < body.readableBytes(); length++) {
                assertRefusedUntouched(frame(PgFrames.type(whole), body.slice(0, length)),
                        "%c truncated to %d bytes".formatted(PgFrames.type(whole), length));
            }
            whole.release();
        }
    }

    @Test
    void emptyCloseAndDescribeAreRefused() {
        assertRefusedUntouched(alloc.buffer().writeByte(MessageType.CLOSE).writeInt(4), "empty Close");
        assertRefusedUntouched(alloc.buffer().writeByte(MessageType.DESCRIBE).writeInt(4), "empty Describe");
    }

    @Test
    void impossibleCountsAndLengthsAreRefused() {
        // Bind: portal "", statement S_1, then format codes, parameters and result formats.
        assertRefusedUntouched(bindWith(b -> b.writeShort(-1)), "65535 format codes in a short body");
        assertRefusedUntouched(bindWith(b -> b.writeShort(0).writeShort(0x8000)), "32768 parameters");
        assertRefusedUntouched(bindWith(b -> b.writeShort(0).writeShort(1).writeInt(-2)), "a length of -2");
        assertRefusedUntouched(bindWith(b -> b.writeShort(0).writeShort(1).writeInt(Integer.MAX_VALUE).writeInt(7)),
                "a parameter longer than the message");
        assertRefusedUntouched(bindWith(b -> b.writeShort(0).writeShort(0).writeShort(3).writeShort(1)),
                "3 result formats, 1 there");
        assertRefusedUntouched(bindWith(b -> b.writeShort(0).writeShort(0).writeShort(0).writeByte(9)),
                "a byte after the end");
        // Parse: a parameter type count the body does not hold.
        ByteBuf parse = alloc.buffer();
        int start = PgFrames.beginMessage(parse, MessageType.PARSE);
        PgFrames.writeCString(parse, "S_4");
        PgFrames.writeCString(parse, "select 1");
        parse.writeShort(-1).writeInt(23);
        PgFrames.endMessage(parse, start);
        assertRefusedUntouched(parse, "65535 parameter types");
        assertRefusedUntouched(describe('X', "S_1"), "Describe of neither S nor P");
        assertRefusedUntouched(close('X', "S_1"), "Close of neither S nor P");
        ByteBuf trailing = describe('S', "S_1");
        trailing.writeByte(0);
        trailing.setInt(1, trailing.readableBytes() - 1);
        assertRefusedUntouched(trailing, "Describe with a byte after the name");
    }

    @Test
    void answerWithoutServerRefusesTheSameBeforeAnythingHappens() {
        List<ByteBuf> messages = List.of(pgjdbcParse("S_3", "select $1::int4", 23), close('S', "S_1"));
        for (ByteBuf whole : messages) {
            ByteBuf body = PgFrames.body(whole);
            for (int length = 0; length < body.readableBytes(); length++) {
                ByteBuf frame = frame(PgFrames.type(whole), body.slice(0, length));
                byte[] before = ByteBufUtil.getBytes(frame);
                ProtocolException e = assertThrows(ProtocolException.class, () -> client.answerWithoutServer(frame),
                        "%c truncated to %d bytes".formatted(PgFrames.type(whole), length));
                assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
                assertEquals(1, frame.refCnt(), "still the caller's");
                assertArrayEquals(before, ByteBufUtil.getBytes(frame), "unchanged");
                frame.release();
            }
            whole.release();
        }
        ByteBuf empty = alloc.buffer().writeByte(MessageType.CLOSE).writeInt(4);
        assertThrows(ProtocolException.class, () -> client.answerWithoutServer(empty));
        assertEquals(1, empty.refCnt());
        empty.release();
    }

    @Test
    void longStatementNamesAreKeptAsPostgreSQLKeepsThem() {
        // PostgreSQL tells prepared statements apart by their first NAMEDATALEN - 1 = 63 bytes only.
        String common = "n".repeat(63);
        client.forward(pgjdbcParse(common + "_one", "select 7", 0), fresh, sentToServer::add);
        client.forward(pgjdbcBind("", common + "_two"), fresh, sentToServer::add);
        assertEquals(List.of("P POOLER_2", "B POOLER_2"),
                sentToServer.stream().map(StatementRewriterMalformedInputTest::summary).toList(),
                "the same statement, as on a direct connection");
    }

    @Test
    void aClientHoldsABoundedNumberOfNames() {
        Consumer<ByteBuf> discard = ByteBuf::release;
        // Paranoid leak detection traces every allocation: thousands of Parse messages are copies of one.
        ByteBuf template = pgjdbcParse("n00000", "select 8", 0);
        byte[] bytes = ByteBufUtil.getBytes(template);
        template.release();
        for (int i = client.clientStatementCount(); i < StatementRewriter.MAX_CLIENT_STATEMENTS; i++) {
            byte[] copy = bytes.clone();
            System.arraycopy("%05d".formatted(i).getBytes(StandardCharsets.US_ASCII), 0, copy, PgFrames.HEADER_LENGTH + 1, 5);
            client.forward(io.netty.buffer.Unpooled.wrappedBuffer(copy), fresh, discard);
        }
        ByteBuf oneMore = pgjdbcParse("one_more", "select 8", 0);
        ProtocolException e = assertThrows(ProtocolException.class, () -> client.forward(oneMore, fresh, discard));
        assertEquals(SqlState.CONFIGURATION_LIMIT_EXCEEDED, e.sqlState());
        assertEquals(1, oneMore.refCnt(), "still the caller's");
        oneMore.release();
        client.forward(pgjdbcParse("n00001", "select 9", 0), fresh, discard);
        client.forward(close('S', "n00002"), fresh, discard);
        client.forward(pgjdbcParse("one_more", "select 8", 0), fresh, discard);
        assertEquals(StatementRewriter.MAX_CLIENT_STATEMENTS, client.clientStatementCount(),
                "a name may be parsed again, and a closed one makes room");
    }

    private void assertRefusedUntouched(ByteBuf frame, String what) {
        byte[] before = ByteBufUtil.getBytes(frame);
        try {
            client.forward(frame, fresh, sentToServer::add);
            fail(what + ": accepted");
        } catch (ProtocolException e) {
            assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState(), what);
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), what);
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": " + e, e);
        }
        assertEquals(1, frame.refCnt(), what + ": the frame is still the caller's");
        assertArrayEquals(before, ByteBufUtil.getBytes(frame), what + ": the frame is unchanged");
        assertEquals(List.of(), sentToServer, what + ": nothing was sent");
        assertTrue(fresh.tracker.isIdle(), what + ": no response is expected");
        assertEquals(0, fresh.statements.size(), what + ": nothing was prepared");
        frame.release();
    }

    // ---- messages, as PgJDBC's QueryExecutorImpl writes them ----

    /** sendParse: name, query, the parameter type OIDs (0 for unspecified). */
    private ByteBuf pgjdbcParse(String name, String query, int... typeOids) {
        ByteBuf out = alloc.buffer();
        int start = PgFrames.beginMessage(out, MessageType.PARSE);
        PgFrames.writeCString(out, name);
        PgFrames.writeCString(out, query);
        out.writeShort(typeOids.length);
        for (int oid : typeOids) {
            out.writeInt(oid);
        }
        PgFrames.endMessage(out, start);
        return out;
    }

    /** sendBind: one binary int4 parameter (42), binary results. */
    private ByteBuf pgjdbcBind(String portal, String statement) {
        ByteBuf out = alloc.buffer();
        int start = PgFrames.beginMessage(out, MessageType.BIND);
        PgFrames.writeCString(out, portal);
        PgFrames.writeCString(out, statement);
        out.writeShort(1).writeShort(1);      // one parameter format code: binary
        out.writeShort(1).writeInt(4).writeInt(42); // one parameter, 4 bytes
        out.writeShort(1).writeShort(1);      // one result format code: binary
        PgFrames.endMessage(out, start);
        return out;
    }

    /** A Bind of S_1 from portal "" whose counts and values are written by {@code rest}. */
    private ByteBuf bindWith(Consumer<ByteBuf> rest) {
        ByteBuf out = alloc.buffer();
        int start = PgFrames.beginMessage(out, MessageType.BIND);
        PgFrames.writeCString(out, "");
        PgFrames.writeCString(out, "S_1");
        rest.accept(out);
        PgFrames.endMessage(out, start);
        return out;
    }

    private ByteBuf describe(char kind, String name) {
        ByteBuf out = alloc.buffer();
        int start = PgFrames.beginMessage(out, MessageType.DESCRIBE);
        out.writeByte(kind);
        PgFrames.writeCString(out, name);
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

    private ByteBuf sync() {
        return alloc.buffer().writeByte(MessageType.SYNC).writeInt(4);
    }

    /** A frame of this type whose length field matches the body, as the frame decoder hands it on. */
    private ByteBuf frame(byte type, ByteBuf body) {
        ByteBuf out = alloc.buffer();
        int start = PgFrames.beginMessage(out, type);
        out.writeBytes(body, body.readerIndex(), body.readableBytes());
        PgFrames.endMessage(out, start);
        return out;
    }

    /** "P name", "B statement", "D name" (Describe), "C kind" (Close), the type letter otherwise. */
    private static String summary(ByteBuf frame) {
        ByteBuf body = PgFrames.body(frame);
        return switch (PgFrames.type(frame)) {
            case MessageType.PARSE -> "P " + cstring(body, 0);
            case MessageType.BIND -> "B " + cstring(body, body.indexOf(0, body.writerIndex(), (byte) 0) + 1);
            case MessageType.DESCRIBE -> "D " + cstring(body, 1);
            case MessageType.CLOSE -> "C " + (char) body.getByte(0);
            default -> String.valueOf((char) PgFrames.type(frame));
        };
    }

    private static String cstring(ByteBuf body, int from) {
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        return body.toString(from, end - from, StandardCharsets.UTF_8);
    }
}
