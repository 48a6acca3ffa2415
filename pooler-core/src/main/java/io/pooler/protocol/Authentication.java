package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** The Authentication* messages ('R'), told apart by the int32 after the length. */
public final class Authentication {
    public static final int OK = 0;
    public static final int CLEARTEXT_PASSWORD = 3;
    public static final int MD5_PASSWORD = 5;
    public static final int SASL = 10;
    public static final int SASL_CONTINUE = 11;
    public static final int SASL_FINAL = 12;

    private Authentication() {
    }

    public static ByteBuf ok(ByteBufAllocator alloc) {
        return header(alloc, OK, 0);
    }

    public static ByteBuf cleartextPassword(ByteBufAllocator alloc) {
        return header(alloc, CLEARTEXT_PASSWORD, 0);
    }

    public static ByteBuf md5Password(ByteBufAllocator alloc, byte[] salt) {
        ByteBuf out = header(alloc, MD5_PASSWORD, 4);
        out.writeBytes(salt, 0, 4);
        out.setInt(1, 12);
        return out;
    }

    /** AuthenticationSASL: the mechanisms, each a C string, then an empty one. */
    public static ByteBuf sasl(ByteBufAllocator alloc, List<String> mechanisms) {
        ByteBuf out = alloc.buffer(32);
        int start = PgFrames.beginMessage(out, MessageType.AUTHENTICATION);
        out.writeInt(SASL);
        mechanisms.forEach(m -> PgFrames.writeCString(out, m));
        out.writeByte(0);
        PgFrames.endMessage(out, start);
        return out;
    }

    public static ByteBuf saslContinue(ByteBufAllocator alloc, String data) {
        return withData(alloc, SASL_CONTINUE, data);
    }

    public static ByteBuf saslFinal(ByteBufAllocator alloc, String data) {
        return withData(alloc, SASL_FINAL, data);
    }

    private static ByteBuf withData(ByteBufAllocator alloc, int code, String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = alloc.buffer(9 + bytes.length);
        out.writeByte(MessageType.AUTHENTICATION);
        out.writeInt(8 + bytes.length);
        out.writeInt(code);
        out.writeBytes(bytes);
        return out;
    }

    private static ByteBuf header(ByteBufAllocator alloc, int code, int extra) {
        ByteBuf out = alloc.buffer(9 + extra);
        out.writeByte(MessageType.AUTHENTICATION);
        out.writeInt(8);
        out.writeInt(code);
        return out;
    }

    /** The request code of a server's Authentication message (frame including header). */
    public static int code(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + PgFrames.HEADER_LENGTH);
    }

    /** The bytes after the request code: the md5 salt, SASL mechanisms, or SASL data. */
    public static ByteBuf payload(ByteBuf frame) {
        int offset = frame.readerIndex() + PgFrames.HEADER_LENGTH + 4;
        return frame.slice(offset, frame.writerIndex() - offset);
    }
}
