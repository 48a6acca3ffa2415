package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frame decoder on real bytes, fed split at every offset. The bytes were captured from psql 15
 * (sslmode=prefer, md5 login of alice/secret to database shop) with a one-off socket listener.
 */
class PgFrameDecoderTest {
    static final String PSQL_SSL_REQUEST = "0000000804d2162f";
    static final String PSQL_STARTUP = "00000038000300007573657200616c6963650064617461626173650073686f70"
            + "006170706c69636174696f6e5f6e616d65007073716c0000";
    static final String PSQL_MD5_PASSWORD = "70000000286d6435393861303431326239633331343336666335333737366538363333353030383300";
    /** A Query then a Terminate, as psql sends for -c 'select 1'. */
    static final String QUERY_AND_TERMINATE = "510000000d73656c65637420310058" + "00000004";

    @Test
    void psqlLoginSequenceDecodesAtEverySplit() {
        byte[] bytes = ByteBufUtil.decodeHexDump(PSQL_SSL_REQUEST + PSQL_STARTUP + PSQL_MD5_PASSWORD + QUERY_AND_TERMINATE);
        for (int split = 0; split <= bytes.length; split++) {
            List<Object> out = decodeSplit(PgFrameDecoder.forClient(1 << 20), bytes, split);
            assertEquals(5, out.size(), "split at " + split);

            StartupPacket ssl = assertInstanceOf(StartupPacket.class, out.get(0));
            assertEquals(StartupPacket.Kind.SSL_REQUEST, ssl.kind());

            StartupPacket startup = assertInstanceOf(StartupPacket.class, out.get(1));
            assertEquals(StartupPacket.Kind.STARTUP, startup.kind());
            assertEquals(StartupPacket.PROTOCOL_3_0, startup.protocolVersion());
            assertEquals(Map.of("user", "alice", "database", "shop", "application_name", "psql"), startup.parameters());

            ByteBuf password = assertInstanceOf(ByteBuf.class, out.get(2));
            assertEquals(MessageType.PASSWORD_MESSAGE, PgFrames.type(password));
            // md5(md5("secret" + "alice") + salt 01020304), checked against Python hashlib
            assertEquals("md598a0412b9c31436fc53776e863350083", FrontendMessages.readPassword(password));
            ByteBuf query = (ByteBuf) out.get(3);
            assertEquals(MessageType.QUERY, PgFrames.type(query));
            assertEquals(14, query.readableBytes(), "the frame is relayed whole: header and body");
            ByteBuf terminate = (ByteBuf) out.get(4);
            assertEquals(MessageType.TERMINATE, PgFrames.type(terminate));
            out.stream().filter(ByteBuf.class::isInstance).forEach(o -> ((ByteBuf) o).release());
        }
    }

    @Test
    void oversizedMessageFailsBeforeItsBodyArrives() {
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.forServer(1000));
        ByteBuf header = Unpooled.buffer().writeByte('D').writeInt(1_000_000);
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(header));
        ProtocolException cause = assertInstanceOf(ProtocolException.class, e.getCause());
        assertEquals(SqlState.PROTOCOL_VIOLATION, cause.sqlState());
        assertTrue(cause.getMessage().contains("1000000"));
        // everything after the error is discarded, nothing is emitted
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[100]));
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void negativeLengthIsMalformed() {
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.forServer(1000));
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(Unpooled.buffer().writeByte('Q').writeInt(2)));
        assertInstanceOf(ProtocolException.class, e.getCause());
        ch.finish();
    }

    @Test
    void oversizedStartupPacketIsRefused() {
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.forClient(1000));
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(Unpooled.buffer().writeInt(StartupPacket.MAX_LENGTH + 1).writeInt(StartupPacket.PROTOCOL_3_0)));
        assertEquals("invalid length of startup packet", e.getCause().getMessage());
        ch.finish();
    }

    @Test
    void startupWithoutTerminatorIsMalformed() {
        byte[] body = ByteBufUtil.decodeHexDump("000300007573657200616c69636500");
        ByteBuf packet = Unpooled.buffer().writeInt(body.length + 4).writeBytes(body);
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.forClient(1000));
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(packet));
        assertInstanceOf(ProtocolException.class, e.getCause());
        ch.finish();
    }

    @Test
    void unsupportedProtocolVersionIsRefused() {
        ByteBuf packet = Unpooled.buffer().writeInt(9).writeInt(2 << 16).writeByte(0);
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.forClient(1000));
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(packet));
        ProtocolException cause = assertInstanceOf(ProtocolException.class, e.getCause());
        assertEquals(SqlState.FEATURE_NOT_SUPPORTED, cause.sqlState());
        ch.finish();
    }

    @Test
    void cancelRequestCarriesItsKey() {
        ByteBuf cancel = FrontendMessages.cancelRequest(Unpooled.buffer().alloc(), 1234, -99);
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.forClient(1000));
        ch.writeInbound(cancel);
        StartupPacket p = ch.readInbound();
        assertEquals(StartupPacket.Kind.CANCEL_REQUEST, p.kind());
        assertEquals(1234, p.cancelProcessId());
        assertEquals(-99, p.cancelSecretKey());
        assertFalse(ch.finish());
    }

    /** A long CopyData between two short messages, fed in three pieces at many offsets, streamed whole. */
    @Test
    void aLongStreamableMessageComesOutInPartsThatAddUpToIt() {
        byte[] copyData = new byte[PgFrameDecoder.STREAM_THRESHOLD + 1000];
        copyData[0] = 'd';
        java.nio.ByteBuffer.wrap(copyData, 1, 4).putInt(copyData.length - 1);
        for (int i = 5; i < copyData.length; i++) {
            copyData[i] = (byte) i;
        }
        byte[] sync = {'S', 0, 0, 0, 4};
        byte[] all = concat(sync, copyData, sync);
        int streamedCount = 0;
        for (int split = 1; split < all.length; split += 7919) {
            PgFrameDecoder decoder = PgFrameDecoder.forServer(Integer.MAX_VALUE);
            decoder.setLimits(Integer.MAX_VALUE, 1024, type -> type == 'd', PgFrameDecoder.TypeLimit.NONE);
            EmbeddedChannel ch = new EmbeddedChannel(decoder);
            ch.writeInbound(Unpooled.wrappedBuffer(all, 0, split));
            ch.writeInbound(Unpooled.wrappedBuffer(all, split, 3));
            ch.writeInbound(Unpooled.wrappedBuffer(all, split + 3, all.length - split - 3));
            List<Object> out = new ArrayList<>();
            Object o;
            while ((o = ch.readInbound()) != null) {
                out.add(o);
            }
            assertFalse(ch.finish(), "nothing left over");
            ByteBuf first = assertInstanceOf(ByteBuf.class, out.get(0));
            assertEquals('S', PgFrames.type(first));
            ByteBuf last = assertInstanceOf(ByteBuf.class, out.get(out.size() - 1));
            assertEquals('S', PgFrames.type(last));
            ByteBuf streamed = Unpooled.buffer();
            if (out.size() == 3 && out.get(1) instanceof ByteBuf whole) {
                // The message was all there in one read: it comes out whole.
                assertTrue(split <= 5, "only when the split came before its body, split " + split);
                streamed.writeBytes(whole);
                whole.release();
            } else {
                streamedCount++;
                for (int i = 1; i < out.size() - 1; i++) {
                    FramePart part = assertInstanceOf(FramePart.class, out.get(i), "split " + split);
                    assertEquals('d', part.type());
                    assertEquals(i == 1, part.first());
                    assertEquals(i == out.size() - 2, part.last());
                    streamed.writeBytes(part.content());
                    part.release();
                }
            }
            assertEquals(Unpooled.wrappedBuffer(copyData), streamed, "split " + split);
            first.release();
            last.release();
        }
        assertTrue(streamedCount > 5, "most splits stream the message");
    }

    @Test
    void theLargestLengthIsRefusedWithoutOverflow() {
        byte[] bytes = {'Q', 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 's', 'e'};
        PgFrameDecoder whole = PgFrameDecoder.forClient(Integer.MAX_VALUE);
        whole.setLimits(Integer.MAX_VALUE, 1 << 20, PgFrameDecoder.StreamPolicy.NONE, PgFrameDecoder.TypeLimit.NONE);
        DecoderException e = assertThrows(DecoderException.class, () -> decodeTyped(whole, bytes));
        assertTrue(e.getCause().getMessage().contains("message too long"), e.getCause().getMessage());

        PgFrameDecoder capped = PgFrameDecoder.forClient(Integer.MAX_VALUE);
        capped.setLimits(Integer.MAX_VALUE, 1 << 20, type -> true, FrontendMessageCheck::maxLength);
        e = assertThrows(DecoderException.class, () -> decodeTyped(capped, bytes));
        assertInstanceOf(ProtocolException.class, e.getCause());
    }

    /** A server's reply to pgbench's select: RowDescription, DataRow, CommandComplete, ReadyForQuery. */
    static final String SELECT_REPLY = "540000002100016162616c616e6365000000404f0003000000170004ffffffff0000"
            + "440000000b00010000000131" + "430000000d53454c454354203100" + "5a0000000549";

    @Test
    void inRunsTheMessagesOfAReadComeOutTogetherAndWholeAtEverySplit() {
        byte[] reply = ByteBufUtil.decodeHexDump(SELECT_REPLY + SELECT_REPLY);
        int[] ends = {34, 46, 60, 66, 100, 112, 126, 132};
        assertEquals(reply.length, ends[ends.length - 1]);
        for (int split = 0; split <= reply.length; split++) {
            PgFrameDecoder decoder = runs(PgFrameDecoder.forServer(1 << 20));
            List<Object> out = decodeSplit(decoder, reply, split);
            int lastEndInFirstRead = 0;
            for (int end : ends) {
                if (end <= split) {
                    lastEndInFirstRead = end;
                }
            }
            // What the first read holds whole is one buffer; the rest, completed by the second, is another.
            int expected = (lastEndInFirstRead > 0 ? 1 : 0) + (lastEndInFirstRead < reply.length ? 1 : 0);
            assertEquals(expected, out.size(), "split at " + split);
            ByteBuf all = Unpooled.buffer();
            for (Object o : out) {
                ByteBuf run = assertInstanceOf(ByteBuf.class, o);
                all.writeBytes(run);
                run.release();
            }
            assertEquals(Unpooled.wrappedBuffer(reply), all, "split at " + split);
            if (lastEndInFirstRead > 0) {
                assertEquals(Unpooled.wrappedBuffer(reply, 0, lastEndInFirstRead), all.slice(0, lastEndInFirstRead));
            }
        }
    }

    @Test
    void aRunEndsBeforeAMessageToStreamWhichStreamsAsBefore() {
        byte[] dataRow = new byte[PgFrameDecoder.STREAM_THRESHOLD + 1000];
        dataRow[0] = 'D';
        java.nio.ByteBuffer.wrap(dataRow, 1, 4).putInt(dataRow.length - 1);
        byte[] reply = ByteBufUtil.decodeHexDump(SELECT_REPLY);
        byte[] head = java.util.Arrays.copyOfRange(reply, 0, 46); // RowDescription and a short DataRow
        byte[] tail = java.util.Arrays.copyOfRange(reply, 46, reply.length); // CommandComplete, ReadyForQuery
        byte[] all = concat(head, dataRow, tail);
        PgFrameDecoder decoder = runs(PgFrameDecoder.forServer(Integer.MAX_VALUE));
        decoder.setLimits(Integer.MAX_VALUE, 1024, type -> type == 'D', PgFrameDecoder.TypeLimit.NONE);
        List<Object> out = decodeSplit(decoder, all, 46 + 100); // the long row's body arrives in two reads

        ByteBuf run = assertInstanceOf(ByteBuf.class, out.get(0));
        assertEquals(Unpooled.wrappedBuffer(head), run, "the messages in front of it, together");
        FramePart first = assertInstanceOf(FramePart.class, out.get(1));
        FramePart second = assertInstanceOf(FramePart.class, out.get(2));
        assertTrue(first.first() && !first.last() && second.last());
        assertEquals(dataRow.length, first.content().readableBytes() + second.content().readableBytes());
        ByteBuf after = assertInstanceOf(ByteBuf.class, out.get(3));
        assertEquals(Unpooled.wrappedBuffer(tail), after, "the messages behind it, together");
        assertEquals(4, out.size());
        out.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    @Test
    void aRunEndsBeforeAMessageThatBreaksALimitWhichFailsAsBefore() {
        byte[] reply = ByteBufUtil.decodeHexDump(SELECT_REPLY);
        byte[] tooLong = {'N', 0, 0, 0x10, 0}; // a NoticeResponse of 4096 bytes, over the limit of 1000
        EmbeddedChannel ch = new EmbeddedChannel(runs(PgFrameDecoder.forServer(1000)));
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(concat(reply, tooLong))));
        assertTrue(e.getCause().getMessage().contains("message too long"), e.getCause().getMessage());
        ByteBuf run = ch.readInbound();
        assertEquals(Unpooled.wrappedBuffer(reply), run, "the whole messages in front of it come out first");
        run.release();
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    private static PgFrameDecoder runs(PgFrameDecoder decoder) {
        decoder.emitRuns();
        return decoder;
    }

    /** The decoder of a logged-in client: typed messages only. */
    private static void decodeTyped(PgFrameDecoder decoder, byte[] typed) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(PSQL_STARTUP)));
            ch.writeInbound(Unpooled.wrappedBuffer(typed));
        } finally {
            Object o;
            while ((o = ch.readInbound()) != null) {
                io.netty.util.ReferenceCountUtil.release(o);
            }
            ch.finishAndReleaseAll();
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static List<Object> decodeSplit(PgFrameDecoder decoder, byte[] bytes, int split) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(o);
        }
        assertFalse(ch.finish(), "nothing left over");
        return out;
    }
}
