package io.pooler.protocol;

import io.netty.buffer.ByteBuf;

/**
 * The unnamed prepared statement in a client's messages. PostgreSQL keeps it on the server connection
 * until the next Parse of it or the next simple Query, so in transaction and statement pooling the
 * client that gets a server next could Bind the one the previous client left there and run that
 * client's statement. The relay uses these to tell which client made the one a server holds.
 *
 * <p>They read a frame in place (whole, or the first piece of a streamed one) and keep nothing.
 */
public final class UnnamedStatement {
    private UnnamedStatement() {
    }

    /** A Parse whose destination is the unnamed statement (an empty name). */
    public static boolean createdBy(ByteBuf frame) {
        int body = frame.readerIndex() + PgFrames.HEADER_LENGTH;
        return frame.getByte(frame.readerIndex()) == MessageType.PARSE && frame.writerIndex() > body
                && frame.getByte(body) == 0;
    }

    /**
     * A Bind from the unnamed statement, or a Describe of it. {@code whole} says whether the frame is the
     * whole message: the first piece of a streamed one that ends before the statement name counts as
     * using it, so a long portal name cannot hide it. A whole Bind with no name terminator is malformed,
     * and PostgreSQL refuses it.
     */
    public static boolean usedBy(ByteBuf frame, boolean whole) {
        byte type = frame.getByte(frame.readerIndex());
        int body = frame.readerIndex() + PgFrames.HEADER_LENGTH;
        int end = frame.writerIndex();
        if (type == MessageType.DESCRIBE) {
            return end > body + 1 ? frame.getByte(body) == 'S' && frame.getByte(body + 1) == 0 : !whole;
        }
        if (type != MessageType.BIND) {
            return false;
        }
        int portalEnd = end > body ? frame.indexOf(body, end, (byte) 0) : -1;
        if (portalEnd < 0 || portalEnd + 1 >= end) {
            return !whole;
        }
        return frame.getByte(portalEnd + 1) == 0;
    }
}
