package io.pooler.server.listen;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pooler.sql.ListenCommand;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The batch's rules and buffers, without a network: who owns each frame, and what is answered. */
class ExtendedListenBatchTest {
    private final List<Object> replayed = new ArrayList<>();
    private final List<String> answered = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private int status = 'I';
    private final ExtendedListenBatch batch = new ExtendedListenBatch(() -> status, replayed::add,
            (command, transactionStatus, answers) -> {
                answers.write(channel);
                channel.flush();
                ByteBuf out = channel.readOutbound();
                StringBuilder types = new StringBuilder();
                while (out.isReadable()) {
                    types.append((char) out.readByte());
                    out.skipBytes(out.readInt() - 4);
                }
                out.release();
                answered.add(command.kind() + " " + command.channel() + " " + (char) transactionStatus + " " + types);
            });

    @Test
    void aLoneStatementIsAnsweredAndEveryFrameReleased() {
        List<ByteBuf> frames = List.of(parse("LISTEN a"), describe('S'), bind(), describe('P'), execute(), sync());
        for (ByteBuf f : frames) {
            assertTrue(batch.offer(f));
        }
        assertEquals(List.of("LISTEN a I 1tn2n"), answered);
        frames.forEach(f -> assertEquals(0, f.refCnt()));
        assertFalse(batch.holding());
    }

    @Test
    void anythingElseGivesTheHeldFramesBackInOrderUntouched() {
        ByteBuf parse = parse("LISTEN a");
        ByteBuf bind = bind();
        ByteBuf flush = Unpooled.buffer().writeByte('H').writeInt(4);
        assertTrue(batch.offer(parse));
        assertTrue(batch.holding());
        assertTrue(batch.offer(bind));
        assertFalse(batch.offer(flush), "a Flush: the batch goes the ordinary way");
        assertEquals(List.of(parse, bind), replayed);
        assertEquals(1, parse.refCnt());
        assertFalse(batch.holding());
        replayed.forEach(f -> ((ByteBuf) f).release());
        flush.release();
    }

    @Test
    void onlyParsesOfALoneStatementStartABatch() {
        status = 0;
        ByteBuf notNow = parse("LISTEN a");
        assertFalse(batch.offer(notNow), "a statement is under way");
        status = 'T';
        ByteBuf select = parse("select 1");
        assertFalse(batch.offer(select));
        ByteBuf two = parse("LISTEN a; LISTEN b");
        assertFalse(batch.offer(two));
        ByteBuf sync = sync();
        assertFalse(batch.offer(sync));
        assertTrue(replayed.isEmpty());
        List.of(notNow, select, two, sync).forEach(ByteBuf::release);
    }

    @Test
    void discardReleasesWhatIsHeld() {
        ByteBuf parse = parse("UNLISTEN *");
        ByteBuf bind = bind();
        assertTrue(batch.offer(parse));
        assertTrue(batch.offer(bind));
        batch.discard();
        assertEquals(0, parse.refCnt());
        assertEquals(0, bind.refCnt());
        assertFalse(batch.holding());
    }

    @Test
    void shapesAreReadExactlyAndTruncatedOnesRefused() {
        ByteBuf listen = parse("LISTEN a");
        assertEquals(new ListenCommand(ListenCommand.Kind.LISTEN, "a"), ExtendedListenBatch.loneListenParse(listen));
        ByteBuf withTypes = frame('P', "\0LISTEN a\0", new byte[] {0, 1, 0, 0, 0, 23});
        assertNull(ExtendedListenBatch.loneListenParse(withTypes), "a parameter type");
        ByteBuf named = frame('P', "S_1\0LISTEN a\0", new byte[] {0, 0});
        assertNull(ExtendedListenBatch.loneListenParse(named), "a named statement");
        ByteBuf withParameter = frame('B', "\0\0", new byte[] {0, 0, 0, 1, 0, 0, 0, 1, 'x', 0, 0});
        assertFalse(ExtendedListenBatch.isUnnamedBindWithoutParameters(withParameter));
        ByteBuf namedPortal = frame('B', "p\0\0", new byte[] {0, 0, 0, 0, 0, 0});
        assertFalse(ExtendedListenBatch.isUnnamedBindWithoutParameters(namedPortal));
        ByteBuf namedExecute = frame('E', "p\0", new byte[] {0, 0, 0, 0});
        assertFalse(ExtendedListenBatch.isUnnamedExecute(namedExecute));
        ByteBuf namedDescribe = frame('D', "Pp\0", new byte[0]);
        assertEquals(0, ExtendedListenBatch.describedKind(namedDescribe));
        List.of(listen, withTypes, named, withParameter, namedPortal, namedExecute, namedDescribe).forEach(ByteBuf::release);
        // Each valid frame cut short at every length: refused, never read past its end.
        ByteBuf parse = parse("LISTEN a");
        ByteBuf bind = bind();
        ByteBuf describe = describe('P');
        ByteBuf execute = execute();
        for (int length = 5; length < parse.readableBytes(); length++) {
            ByteBuf cut = cut(parse, length);
            assertNull(ExtendedListenBatch.loneListenParse(cut));
            cut.release();
        }
        for (int length = 5; length < bind.readableBytes(); length++) {
            ByteBuf cut = cut(bind, length);
            assertFalse(ExtendedListenBatch.isUnnamedBindWithoutParameters(cut));
            cut.release();
        }
        for (int length = 5; length < describe.readableBytes(); length++) {
            ByteBuf cut = cut(describe, length);
            assertEquals(0, ExtendedListenBatch.describedKind(cut));
            cut.release();
        }
        for (int length = 5; length < execute.readableBytes(); length++) {
            ByteBuf cut = cut(execute, length);
            assertFalse(ExtendedListenBatch.isUnnamedExecute(cut));
            cut.release();
        }
        List.of(parse, bind, describe, execute).forEach(ByteBuf::release);
    }

    /** The first {@code length} bytes of a frame, with its length field saying so. */
    private static ByteBuf cut(ByteBuf frame, int length) {
        ByteBuf cut = frame.copy(0, length);
        cut.setInt(1, length - 1);
        return cut;
    }

    private static ByteBuf parse(String sql) {
        return frame('P', "\0" + sql + "\0", new byte[] {0, 0});
    }

    private static ByteBuf bind() {
        return frame('B', "\0\0", new byte[] {0, 0, 0, 0, 0, 1, 0, 1});
    }

    private static ByteBuf describe(char kind) {
        return frame('D', kind + "\0", new byte[0]);
    }

    private static ByteBuf execute() {
        return frame('E', "\0", new byte[] {0, 0, 0, 0});
    }

    private static ByteBuf sync() {
        return frame('S', "", new byte[0]);
    }

    private static ByteBuf frame(char type, String text, byte[] tail) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return Unpooled.buffer().writeByte(type).writeInt(4 + bytes.length + tail.length).writeBytes(bytes).writeBytes(tail);
    }
}
