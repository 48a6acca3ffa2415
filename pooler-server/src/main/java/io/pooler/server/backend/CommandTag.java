package io.pooler.server.backend;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * The CommandComplete tags the pooler acts on, matched as bytes in place: a tag is read on every
 * statement a server completes, so nothing is decoded into a String.
 */
enum CommandTag {
    /** RESET (ALL or one): parameters go back to the server's defaults. */
    RESET("RESET"),
    /** DISCARD ALL: parameters back to defaults, and every prepared statement gone. */
    DISCARD_ALL("DISCARD ALL"),
    /** DEALLOCATE ALL: every prepared statement gone. */
    DEALLOCATE_ALL("DEALLOCATE ALL"),
    /** DEALLOCATE of one statement by name (the tag does not say which). */
    DEALLOCATE("DEALLOCATE");

    private final byte[] bytes;

    CommandTag(String tag) {
        this.bytes = tag.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Whether the CommandComplete body at {@code start} may be one of these tags: it begins with one of
     * their first letters. NOTE: this reads one byte of the message, which the frame decoder has just
     * touched, and no tag: on a loop whose caches PostgreSQL empties between two replies, the four
     * tags' objects and arrays were cold at every statement, and {@link #matches} showed as 7 % of the
     * loop's user time under pgbench -S (async-profiler) although no SELECT tag ever gets past its
     * length check. CommandTagTest checks that every tag begins with one of these letters.
     */
    static boolean anyMayMatch(ByteBuf buf, int start, int length) {
        if (length < 2) {
            return false;
        }
        byte first = buf.getByte(start);
        return first == 'R' || first == 'D';
    }

    /** The CommandComplete body at {@code [start, start + length)} of {@code buf} (the tag and its zero) is exactly this tag. */
    boolean matches(ByteBuf buf, int start, int length) {
        if (Math.max(0, length - 1) != bytes.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (buf.getByte(start + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }
}
