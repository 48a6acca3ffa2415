package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ErrorResponse ('E') and, with another type byte, NoticeResponse ('N'): a list of single-letter
 * fields. The pooler builds its own (severity, SQLSTATE, message) and reads the server's to log them
 * and to decide about a failed login.
 */
public final class ErrorResponse {
    public static final byte SEVERITY = 'S';
    public static final byte SEVERITY_NON_LOCALIZED = 'V';
    public static final byte CODE = 'C';
    public static final byte MESSAGE = 'M';
    public static final byte DETAIL = 'D';
    public static final byte HINT = 'H';
    /** The C function that raised it: not translated, unlike the message, whatever lc_messages says. */
    public static final byte ROUTINE = 'R';

    private final Map<Byte, String> fields;

    private ErrorResponse(Map<Byte, String> fields) {
        this.fields = fields;
    }

    public static ErrorResponse of(String severity, String sqlState, String message) {
        Map<Byte, String> fields = new LinkedHashMap<>();
        fields.put(SEVERITY, severity);
        fields.put(SEVERITY_NON_LOCALIZED, severity);
        fields.put(CODE, sqlState);
        fields.put(MESSAGE, message);
        return new ErrorResponse(fields);
    }

    public static ErrorResponse fatal(String sqlState, String message) {
        return of("FATAL", sqlState, message);
    }

    public static ErrorResponse error(String sqlState, String message) {
        return of("ERROR", sqlState, message);
    }

    /** Parses the body (after the 5-byte header) of an ErrorResponse or NoticeResponse. */
    public static ErrorResponse parseBody(ByteBuf body) {
        ByteBuf in = body.duplicate();
        Map<Byte, String> fields = new LinkedHashMap<>();
        while (in.isReadable()) {
            byte code = in.readByte();
            if (code == 0) {
                break;
            }
            fields.put(code, PgFrames.readCString(in));
        }
        return new ErrorResponse(fields);
    }

    public ErrorResponse withDetail(String detail) {
        Map<Byte, String> copy = new LinkedHashMap<>(fields);
        copy.put(DETAIL, detail);
        return new ErrorResponse(copy);
    }

    /** The same fields with another message text (the pooler's names in place of the server's). */
    public ErrorResponse withMessage(String message) {
        Map<Byte, String> copy = new LinkedHashMap<>(fields);
        copy.put(MESSAGE, message);
        return new ErrorResponse(copy);
    }

    public String severity() {
        return fields.getOrDefault(SEVERITY, "ERROR");
    }

    public String sqlState() {
        return fields.getOrDefault(CODE, SqlState.INTERNAL_ERROR);
    }

    public String message() {
        return fields.getOrDefault(MESSAGE, "");
    }

    /** The routine field, or "" when there is none. */
    public String routine() {
        return fields.getOrDefault(ROUTINE, "");
    }

    /** True when the message carries a SQLSTATE, as every ErrorResponse from PostgreSQL does. */
    public boolean hasSqlState() {
        String code = fields.get(CODE);
        return code != null && code.length() == 5;
    }

    public boolean isFatal() {
        String s = fields.getOrDefault(SEVERITY_NON_LOCALIZED, severity());
        return "FATAL".equals(s) || "PANIC".equals(s);
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        return encode(alloc, MessageType.ERROR_RESPONSE);
    }

    public ByteBuf encodeAsNotice(ByteBufAllocator alloc) {
        return encode(alloc, MessageType.NOTICE_RESPONSE);
    }

    /** Appends this as a NoticeResponse to {@code out}, for a message built of several. */
    public void writeAsNotice(ByteBuf out) {
        write(out, MessageType.NOTICE_RESPONSE);
    }

    private ByteBuf encode(ByteBufAllocator alloc, byte type) {
        ByteBuf out = alloc.buffer(64);
        write(out, type);
        return out;
    }

    private void write(ByteBuf out, byte type) {
        int start = PgFrames.beginMessage(out, type);
        fields.forEach((code, value) -> {
            out.writeByte(code);
            PgFrames.writeCString(out, value);
        });
        out.writeByte(0);
        PgFrames.endMessage(out, start);
    }

    @Override
    public String toString() {
        return severity() + " " + sqlState() + " " + message();
    }
}
