package io.pooler.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;

import java.nio.charset.StandardCharsets;

/** The bytes PostgreSQL sends back for a query, built once for the benchmarks. */
final class ServerReplies {
    private ServerReplies() {
    }

    /**
     * RowDescription with one int4 column, {@code rows} DataRows of a 7-digit number, CommandComplete
     * and ReadyForQuery: pgbench's select-only reply when {@code rows} is 1.
     */
    static ByteBuf selectResult(int rows) {
        ByteBuf out = Unpooled.buffer();
        int start = PgFrames.beginMessage(out, MessageType.ROW_DESCRIPTION);
        out.writeShort(1);
        PgFrames.writeCString(out, "abalance");
        out.writeInt(16_397); // table OID
        out.writeShort(3); // column number
        out.writeInt(23); // int4
        out.writeShort(4);
        out.writeInt(-1);
        out.writeShort(0); // text
        PgFrames.endMessage(out, start);
        byte[] value = "1234567".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < rows; i++) {
            start = PgFrames.beginMessage(out, MessageType.DATA_ROW);
            out.writeShort(1);
            out.writeInt(value.length);
            out.writeBytes(value);
            PgFrames.endMessage(out, start);
        }
        start = PgFrames.beginMessage(out, MessageType.COMMAND_COMPLETE);
        PgFrames.writeCString(out, "SELECT " + rows);
        PgFrames.endMessage(out, start);
        start = PgFrames.beginMessage(out, MessageType.READY_FOR_QUERY);
        out.writeByte(BackendMessages.TX_IDLE);
        PgFrames.endMessage(out, start);
        return Unpooled.unreleasableBuffer(out.asReadOnly());
    }

    /** How many frames {@link #selectResult} holds. */
    static int frames(int rows) {
        return rows + 3;
    }
}
