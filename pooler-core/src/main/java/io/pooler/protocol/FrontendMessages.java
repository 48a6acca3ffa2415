package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Frontend messages the pooler writes to PostgreSQL itself when it logs in and cancels. */
public final class FrontendMessages {
    private FrontendMessages() {
    }

    /** StartupMessage for protocol 3.0 with the given parameters (user, database, ...). */
    public static ByteBuf startupMessage(ByteBufAllocator alloc, Map<String, String> parameters) {
        ByteBuf out = alloc.buffer(128);
        out.writeInt(0); // length placeholder
        out.writeInt(StartupPacket.PROTOCOL_3_0);
        parameters.forEach((name, value) -> {
            PgFrames.writeCString(out, name);
            PgFrames.writeCString(out, value);
        });
        out.writeByte(0);
        out.setInt(0, out.writerIndex());
        return out;
    }

    public static ByteBuf cancelRequest(ByteBufAllocator alloc, int processId, int secretKey) {
        ByteBuf out = alloc.buffer(16);
        out.writeInt(16);
        out.writeInt(StartupPacket.CANCEL_REQUEST_CODE);
        out.writeInt(processId);
        out.writeInt(secretKey);
        return out;
    }

    /** PasswordMessage carrying a cleartext password or an md5 response. */
    public static ByteBuf passwordMessage(ByteBufAllocator alloc, String password) {
        ByteBuf out = alloc.buffer(password.length() + 8);
        int start = PgFrames.beginMessage(out, MessageType.PASSWORD_MESSAGE);
        PgFrames.writeCString(out, password);
        PgFrames.endMessage(out, start);
        return out;
    }

    /** SASLInitialResponse: mechanism name, int32 length of the data, the data. */
    public static ByteBuf saslInitialResponse(ByteBufAllocator alloc, String mechanism, String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = alloc.buffer(bytes.length + mechanism.length() + 12);
        int start = PgFrames.beginMessage(out, MessageType.PASSWORD_MESSAGE);
        PgFrames.writeCString(out, mechanism);
        out.writeInt(bytes.length);
        out.writeBytes(bytes);
        PgFrames.endMessage(out, start);
        return out;
    }

    /** SASLResponse: the data, nothing else. */
    public static ByteBuf saslResponse(ByteBufAllocator alloc, String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = alloc.buffer(bytes.length + 5);
        out.writeByte(MessageType.PASSWORD_MESSAGE);
        out.writeInt(4 + bytes.length);
        out.writeBytes(bytes);
        return out;
    }

    /** Reads a PasswordMessage body: a C string. */
    public static String readPassword(ByteBuf frame) {
        ByteBuf body = PgFrames.body(frame).duplicate();
        String password = PgFrames.readCString(body);
        if (body.isReadable()) {
            throw new ProtocolException("invalid password message");
        }
        return password;
    }

    /** A SASLInitialResponse as received: mechanism and client-first data. */
    public record SaslInitialResponse(String mechanism, String data) {
    }

    public static SaslInitialResponse readSaslInitialResponse(ByteBuf frame) {
        ByteBuf body = PgFrames.body(frame).duplicate();
        String mechanism = PgFrames.readCString(body);
        if (body.readableBytes() < 4) {
            throw new ProtocolException("malformed SASLInitialResponse message");
        }
        int length = body.readInt();
        if (length < 0 || length != body.readableBytes()) {
            throw new ProtocolException("malformed SASLInitialResponse message");
        }
        return new SaslInitialResponse(mechanism, body.toString(StandardCharsets.UTF_8));
    }

    public static String readSaslResponse(ByteBuf frame) {
        return PgFrames.body(frame).toString(StandardCharsets.UTF_8);
    }
}
