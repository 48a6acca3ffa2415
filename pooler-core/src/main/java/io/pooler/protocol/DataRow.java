package io.pooler.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads a DataRow ('D') in text format, for the few queries whose rows the pooler reads itself. */
public final class DataRow {
    private DataRow() {
    }

    /** The column values of one DataRow frame, null for SQL NULL. */
    public static List<String> columns(ByteBuf frame) {
        if (PgFrames.type(frame) != MessageType.DATA_ROW) {
            throw new ProtocolException("expected DataRow, got message type " + (char) PgFrames.type(frame));
        }
        ByteBuf body = PgFrames.body(frame).duplicate();
        if (body.readableBytes() < 2) {
            throw new ProtocolException("malformed DataRow message");
        }
        int count = body.readUnsignedShort();
        List<String> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (body.readableBytes() < 4) {
                throw new ProtocolException("malformed DataRow message");
            }
            int length = body.readInt();
            if (length == -1) {
                values.add(null);
                continue;
            }
            if (length < 0 || length > body.readableBytes()) {
                throw new ProtocolException("malformed DataRow message");
            }
            values.add(body.readCharSequence(length, StandardCharsets.UTF_8).toString());
        }
        return values;
    }
}
