package io.pooler.server.relay;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * PostgreSQL protocol messages as bytes, for what the capture does not hold: a client's Query and
 * Flush, and replies whose layout is PostgreSQL 17's (each says where it comes from).
 */
final class Wire {
    /** AuthenticationOk, as PostgreSQL sends it before the ParameterStatus messages (not in the capture). */
    static final byte[] AUTHENTICATION_OK = HexFormat.of().parseHex("520000000800000000");
    static final byte[] READY_IDLE = HexFormat.of().parseHex("5a0000000549");
    static final byte[] READY_IN_TRANSACTION = HexFormat.of().parseHex("5a0000000554");
    static final byte[] READY_FAILED_TRANSACTION = HexFormat.of().parseHex("5a0000000545");
    static final byte[] FLUSH = HexFormat.of().parseHex("4800000004");
    static final byte[] SYNC = HexFormat.of().parseHex("5300000004");
    static final byte[] TERMINATE = HexFormat.of().parseHex("5800000004");

    private Wire() {
    }

    /** A Query message, as psql sends one. */
    static byte[] query(String sql) {
        return message('Q', (sql + "\0").getBytes(StandardCharsets.UTF_8));
    }

    /** CommandComplete with {@code tag}, as PostgreSQL ends a statement. */
    static byte[] commandComplete(String tag) {
        return message('C', (tag + "\0").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An ErrorResponse in the field order PostgreSQL 17 sends (S, V, C, M, F, L, R), here the one of
     * {@code select 1/0}.
     */
    static byte[] divisionByZero() {
        String fields = "SERROR\0VERROR\0C22012\0Mdivision by zero\0Fint.c\0L841\0Rint4div\0\0";
        return message('E', fields.getBytes(StandardCharsets.UTF_8));
    }

    /** The FATAL ErrorResponse a backend sends when pg_terminate_backend() ends it (PostgreSQL 17's fields). */
    static byte[] terminatedByAdministrator() {
        String fields = "SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0"
                + "Fpostgres.c\0L3289\0RProcessInterrupts\0\0";
        return message('E', fields.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] message(char type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /** Splits a stream of typed messages into one array per message. */
    static List<byte[]> frames(byte[] stream) {
        List<byte[]> frames = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(stream);
        while (in.remaining() > 0) {
            int length = in.getInt(in.position() + 1);
            byte[] frame = new byte[1 + length];
            in.get(frame);
            frames.add(frame);
        }
        return frames;
    }

    /** The message types of {@code frames}, as a string ("TDCZ"), for readable assertions. */
    static String types(List<byte[]> frames) {
        StringBuilder types = new StringBuilder();
        frames.forEach(f -> types.append((char) f[0]));
        return types.toString();
    }
}
