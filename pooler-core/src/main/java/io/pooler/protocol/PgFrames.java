package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * Helpers over one framed message: a buffer holding the type byte, the int32 length and the body,
 * exactly as it travels on the wire, so relaying a frame is writing it unchanged.
 */
public final class PgFrames {
    /** Type byte plus the int32 length. */
    public static final int HEADER_LENGTH = 5;

    private PgFrames() {
    }

    public static byte type(ByteBuf frame) {
        return frame.getByte(frame.readerIndex());
    }

    /** The body (after the header) as a slice that shares the frame's memory and reference count. */
    public static ByteBuf body(ByteBuf frame) {
        return frame.slice(frame.readerIndex() + HEADER_LENGTH, frame.readableBytes() - HEADER_LENGTH);
    }

    /** Starts a typed message; finish it with {@link #endMessage(ByteBuf, int)}. Returns the start index. */
    public static int beginMessage(ByteBuf out, byte type) {
        int start = out.writerIndex();
        out.writeByte(type);
        out.writeInt(0); // length placeholder, patched by endMessage
        return start;
    }

    /** Patches the length of the message begun at {@code start}; the length counts itself but not the type byte. */
    public static void endMessage(ByteBuf out, int start) {
        out.setInt(start + 1, out.writerIndex() - start - 1);
    }

    /** Writes a NUL-terminated string as the protocol's "String" type. */
    public static void writeCString(ByteBuf out, String value) {
        out.writeCharSequence(value, StandardCharsets.UTF_8);
        out.writeByte(0);
    }

    /**
     * Where the text of a whole Query frame ends: the index of its terminating NUL, or -1 when the
     * frame is not a well-formed Query body (no NUL at the end, or one inside the text, which
     * PostgreSQL refuses as an invalid message). The pooler answers a Query itself only when this
     * says it is well formed; anything else goes to PostgreSQL, which says what is wrong with it.
     */
    public static int queryTextEnd(ByteBuf frame) {
        int textStart = frame.readerIndex() + HEADER_LENGTH;
        int nul = frame.writerIndex() - 1;
        if (nul < textStart || frame.getByte(nul) != 0 || frame.indexOf(textStart, nul, (byte) 0) >= 0) {
            return -1;
        }
        return nul;
    }

    /** Reads a NUL-terminated string; a missing terminator is a protocol violation. */
    public static String readCString(ByteBuf in) {
        int end = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolException("invalid string in message: missing terminator");
        }
        String value = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.UTF_8);
        in.readerIndex(end + 1);
        return value;
    }

    public static ByteBuf simpleQuery(ByteBufAllocator alloc, String sql) {
        ByteBuf out = alloc.buffer(sql.length() + 8);
        int start = beginMessage(out, MessageType.QUERY);
        writeCString(out, sql);
        endMessage(out, start);
        return out;
    }

    public static ByteBuf terminate(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(5);
        out.writeByte(MessageType.TERMINATE);
        out.writeInt(4);
        return out;
    }
}
