package io.pooler.protocol.prepared;

import io.netty.buffer.ByteBuf;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;

/**
 * A bounds-checked cursor over the body of one client message. Every read first checks what is left,
 * so a message that ends early, or whose counts and lengths claim more than it holds, is a
 * {@link ProtocolException} (08P01) naming the message, never an IndexOutOfBoundsException.
 *
 * <p>It only reads, by absolute index: the frame's indexes, content and reference count stay as they
 * were, so a caller that catches the exception still owns the frame unchanged.
 */
final class BodyReader {
    private final ByteBuf body;
    private final String message;
    private int at;

    /** @param message the message's name as the protocol docs give it, for the error text */
    BodyReader(ByteBuf frame, String message) {
        if (frame.readableBytes() < PgFrames.HEADER_LENGTH) {
            throw new ProtocolException("broken " + message + " message: no header");
        }
        this.body = PgFrames.body(frame);
        this.message = message;
        this.at = body.readerIndex();
    }

    /** The body, indexed as this reader's positions are. */
    ByteBuf body() {
        return body;
    }

    int position() {
        return at;
    }

    /** Reads a NUL-terminated string; returns the index of its NUL. */
    int cstring(String what) {
        int nul = body.indexOf(at, body.writerIndex(), (byte) 0);
        if (nul < 0) {
            throw broken(what + " has no terminator");
        }
        at = nul + 1;
        return nul;
    }

    byte byte1(String what) {
        need(1, what);
        return body.getByte(at++);
    }

    /** An Int16 count, read as PostgreSQL reads it: unsigned, 0 to 65535. */
    int count16(String what) {
        need(2, what);
        int value = body.getUnsignedShort(at);
        at += 2;
        return value;
    }

    int int32(String what) {
        need(4, what);
        int value = body.getInt(at);
        at += 4;
        return value;
    }

    void skip(long bytes, String what) {
        need(bytes, what);
        at += (int) bytes;
    }

    /** Nothing may follow the last field, as PostgreSQL's pq_getmsgend requires. */
    void end() {
        if (at != body.writerIndex()) {
            throw broken((body.writerIndex() - at) + " bytes after the end");
        }
    }

    ProtocolException broken(String detail) {
        return new ProtocolException("broken " + message + " message: " + detail);
    }

    private void need(long bytes, String what) {
        if (bytes < 0 || bytes > body.writerIndex() - at) {
            throw broken(what + " runs past the end of the message");
        }
    }
}
