package io.pooler.admin.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Writes a {@link Response} as the backend messages psql expects, ending with ReadyForQuery (idle). */
public final class ResponseEncoder {
    /** PgBouncer's format_time_s: local time with the zone abbreviation. */
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss zzz", Locale.ROOT).withZone(ZoneId.systemDefault());

    private ResponseEncoder() {
    }

    /** The whole answer in one buffer, the caller's; if any part of it cannot be written, nothing is left allocated. */
    public static ByteBuf encode(ByteBufAllocator alloc, Response response) {
        ByteBuf out = alloc.buffer(256);
        try {
            if (response.notice() != null) {
                append(out, response.notice().encodeAsNotice(alloc));
            }
            if (response.rows() != null) {
                writeRowDescription(out, response.rows());
                for (Object[] row : response.rows().rows()) {
                    writeDataRow(out, response.rows(), row);
                }
            }
            if (response.error() != null) {
                append(out, response.error().encode(alloc));
            } else {
                writeCommandComplete(out, response.tag());
            }
            append(out, BackendMessages.readyForQuery(alloc, BackendMessages.TX_IDLE));
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    /** Copies {@code part} into {@code out} and releases it, whatever happens. */
    private static void append(ByteBuf out, ByteBuf part) {
        try {
            out.writeBytes(part);
        } finally {
            part.release();
        }
    }

    private static void writeRowDescription(ByteBuf out, ResultSet rs) {
        int start = PgFrames.beginMessage(out, MessageType.ROW_DESCRIPTION);
        out.writeShort(rs.columns().size());
        for (Column c : rs.columns()) {
            PgFrames.writeCString(out, c.name());
            out.writeInt(0);                  // table OID: none
            out.writeShort(0);                // column number: none
            out.writeInt(c.type().oid());
            out.writeShort(c.type().length());
            out.writeInt(-1);                 // type modifier
            out.writeShort(0);                // text format
        }
        PgFrames.endMessage(out, start);
    }

    private static void writeDataRow(ByteBuf out, ResultSet rs, Object[] row) {
        int start = PgFrames.beginMessage(out, MessageType.DATA_ROW);
        out.writeShort(row.length);
        for (int i = 0; i < row.length; i++) {
            String text = format(rs.columns().get(i).type(), row[i]);
            if (text == null) {
                out.writeInt(-1);
            } else {
                int lengthAt = out.writerIndex();
                out.writeInt(0);
                int written = out.writeCharSequence(text, StandardCharsets.UTF_8);
                out.setInt(lengthAt, written);
            }
        }
        PgFrames.endMessage(out, start);
    }

    private static void writeCommandComplete(ByteBuf out, String tag) {
        int start = PgFrames.beginMessage(out, MessageType.COMMAND_COMPLETE);
        PgFrames.writeCString(out, tag);
        PgFrames.endMessage(out, start);
    }

    /** The text of one value; null for SQL NULL. */
    static String format(ColumnType type, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Boolean b) {
            return b ? "1" : "0";
        }
        if (type == ColumnType.TIMESTAMP && value instanceof Long millis) {
            return TIMESTAMP.format(Instant.ofEpochMilli(millis));
        }
        return value.toString();
    }
}
