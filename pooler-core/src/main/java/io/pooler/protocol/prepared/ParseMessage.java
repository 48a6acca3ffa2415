package io.pooler.protocol.prepared;

import io.netty.buffer.ByteBuf;

/**
 * Parse (F): String statement name, String query, Int16 parameter type count, Int32 type OID each.
 * Indexes are into {@link #body()}; the definition is everything after the name's NUL.
 */
record ParseMessage(ByteBuf body, int nameEnd, int definitionStart) {

    /** Checks the whole message; reads only. */
    static ParseMessage read(ByteBuf frame) {
        BodyReader r = new BodyReader(frame, "Parse");
        int nameEnd = r.cstring("statement name");
        int definitionStart = r.position();
        r.cstring("query");
        r.skip(4L * r.count16("parameter type count"), "parameter types");
        r.end();
        return new ParseMessage(r.body(), nameEnd, definitionStart);
    }

    boolean named() {
        return nameEnd > body.readerIndex();
    }

    /** Where the query text ends in {@link #body()}: its NUL (checked by {@link #read}). */
    int textEnd() {
        return body.indexOf(definitionStart, body.writerIndex(), (byte) 0);
    }

    /** The bytes {@link #definition()} copies, counted without copying them. */
    int definitionLength() {
        return body.writerIndex() - definitionStart;
    }

    /** Query text, parameter count and types: what makes two statements the same. */
    byte[] definition() {
        byte[] definition = new byte[definitionLength()];
        body.getBytes(definitionStart, definition);
        return definition;
    }
}
