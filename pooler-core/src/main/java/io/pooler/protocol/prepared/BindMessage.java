package io.pooler.protocol.prepared;

import io.netty.buffer.ByteBuf;

/**
 * Bind (F): String portal, String statement, Int16 format code count and Int16 codes, Int16 parameter
 * count and per parameter an Int32 length (-1 for NULL) and that many bytes, Int16 result format code
 * count and Int16 codes. Only the statement name is used; the rest is checked so that a malformed
 * Bind never reaches a server, which answers some client's next request with the error.
 */
record BindMessage(ByteBuf body, int statementStart, int statementEnd) {

    /** Checks the whole message; reads only. */
    static BindMessage read(ByteBuf frame) {
        BodyReader r = new BodyReader(frame, "Bind");
        r.cstring("portal name");
        int statementStart = r.position();
        int statementEnd = r.cstring("statement name");
        r.skip(2L * r.count16("parameter format count"), "parameter format codes");
        for (int i = r.count16("parameter count"); i > 0; i--) {
            int length = r.int32("parameter length");
            if (length < -1) {
                throw r.broken("parameter length " + length);
            }
            r.skip(Math.max(length, 0), "parameter value");
        }
        r.skip(2L * r.count16("result format count"), "result format codes");
        r.end();
        return new BindMessage(r.body(), statementStart, statementEnd);
    }
}
