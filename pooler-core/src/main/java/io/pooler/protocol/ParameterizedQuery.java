package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A query the pooler runs itself with its values sent apart from the SQL, so a value (a user name,
 * say) is never spliced into the query text: Parse of the unnamed statement, Bind of the unnamed
 * portal with text parameters, Execute, Sync. PostgreSQL infers the parameter types from the query.
 */
public final class ParameterizedQuery {
    private ParameterizedQuery() {
    }

    /** The four messages in one buffer; {@code parameters} may hold nulls (SQL NULL). */
    public static ByteBuf encode(ByteBufAllocator alloc, String sql, List<String> parameters) {
        ByteBuf out = alloc.buffer(64 + sql.length() * 3);
        // Parse: statement name, query, number of parameter types given (0: inferred).
        int start = PgFrames.beginMessage(out, MessageType.PARSE);
        PgFrames.writeCString(out, "");
        PgFrames.writeCString(out, sql);
        out.writeShort(0);
        PgFrames.endMessage(out, start);
        // Bind: portal, statement, parameter format codes (0: all text), values, result format codes (0: all text).
        start = PgFrames.beginMessage(out, MessageType.BIND);
        PgFrames.writeCString(out, "");
        PgFrames.writeCString(out, "");
        out.writeShort(0);
        out.writeShort(parameters.size());
        for (String value : parameters) {
            if (value == null) {
                out.writeInt(-1);
            } else {
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                out.writeInt(bytes.length);
                out.writeBytes(bytes);
            }
        }
        out.writeShort(0);
        PgFrames.endMessage(out, start);
        // Execute: portal, row limit (0: all rows).
        start = PgFrames.beginMessage(out, MessageType.EXECUTE);
        PgFrames.writeCString(out, "");
        out.writeInt(0);
        PgFrames.endMessage(out, start);
        start = PgFrames.beginMessage(out, MessageType.SYNC);
        PgFrames.endMessage(out, start);
        return out;
    }
}
