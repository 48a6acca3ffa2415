package io.pooler.bench.load;

import io.netty.buffer.ByteBuf;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;

import java.nio.charset.StandardCharsets;

/** The extended-query messages a client writes, appended to one buffer per round trip. */
final class ExtendedMessages {
    private ExtendedMessages() {
    }

    /** Parse: statement name, query, no parameter types (the server infers them). */
    static void parse(ByteBuf out, String statementName, String sql) {
        int start = PgFrames.beginMessage(out, MessageType.PARSE);
        PgFrames.writeCString(out, statementName);
        PgFrames.writeCString(out, sql);
        out.writeShort(0);
        PgFrames.endMessage(out, start);
    }

    /** Bind to the unnamed portal, every parameter in text format, results in text format. */
    static void bind(ByteBuf out, String statementName, String[] parameters) {
        int start = PgFrames.beginMessage(out, MessageType.BIND);
        PgFrames.writeCString(out, "");
        PgFrames.writeCString(out, statementName);
        out.writeShort(0); // parameter format codes: none, so all text
        out.writeShort(parameters.length);
        for (String parameter : parameters) {
            byte[] bytes = parameter.getBytes(StandardCharsets.UTF_8);
            out.writeInt(bytes.length);
            out.writeBytes(bytes);
        }
        out.writeShort(0); // result format codes: none, so all text
        PgFrames.endMessage(out, start);
    }

    /** Execute the unnamed portal, all rows. */
    static void execute(ByteBuf out) {
        int start = PgFrames.beginMessage(out, MessageType.EXECUTE);
        PgFrames.writeCString(out, "");
        out.writeInt(0);
        PgFrames.endMessage(out, start);
    }

    static void sync(ByteBuf out) {
        int start = PgFrames.beginMessage(out, MessageType.SYNC);
        PgFrames.endMessage(out, start);
    }

    /** Query, for the simple protocol. */
    static void query(ByteBuf out, String sql) {
        int start = PgFrames.beginMessage(out, MessageType.QUERY);
        PgFrames.writeCString(out, sql);
        PgFrames.endMessage(out, start);
    }
}
