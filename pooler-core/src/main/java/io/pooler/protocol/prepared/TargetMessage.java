package io.pooler.protocol.prepared;

import io.netty.buffer.ByteBuf;

/**
 * Describe (F) and Close (F), which share one layout: Byte1 'S' (statement) or 'P' (portal), then the
 * String name. Indexes are into {@link #body()}.
 */
record TargetMessage(ByteBuf body, byte kind, int nameStart, int nameEnd) {
    static final byte STATEMENT = 'S';
    static final byte PORTAL = 'P';

    /** Checks the whole message; reads only. @param message "Describe" or "Close" */
    static TargetMessage read(ByteBuf frame, String message) {
        BodyReader r = new BodyReader(frame, message);
        byte kind = r.byte1("kind");
        if (kind != STATEMENT && kind != PORTAL) {
            throw r.broken("kind " + (kind & 0xff) + " is neither 'S' nor 'P'");
        }
        int nameStart = r.position();
        int nameEnd = r.cstring("name");
        r.end();
        return new TargetMessage(r.body(), kind, nameStart, nameEnd);
    }

    /** A named statement, as opposed to a portal or the unnamed statement. */
    boolean namedStatement() {
        return kind == STATEMENT && nameEnd > nameStart;
    }
}
