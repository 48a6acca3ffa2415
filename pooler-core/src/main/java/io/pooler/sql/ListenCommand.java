package io.pooler.sql;

import io.netty.buffer.ByteBuf;
import io.pooler.protocol.PgFrames;
import java.nio.charset.StandardCharsets;

/**
 * A simple-protocol query that is exactly one {@code LISTEN ch}, {@code UNLISTEN ch} or
 * {@code UNLISTEN *} statement (an optional trailing semicolon, comments and any case or quoting
 * allowed), which the pooler can answer itself when it multiplexes notifications. Anything more —
 * a second statement, a LISTEN inside a transaction block sent with other SQL — is not one, and
 * goes the ordinary way.
 *
 * @param kind    what the statement does
 * @param channel the channel as PostgreSQL names it (folded or unquoted, clipped to 63 bytes), or
 *                null for {@code UNLISTEN *}
 */
public record ListenCommand(Kind kind, String channel) {
    public enum Kind { LISTEN, UNLISTEN, UNLISTEN_ALL }

    /** PostgreSQL's NAMEDATALEN - 1: longer identifiers are clipped, as the server clips them. */
    static final int MAX_IDENTIFIER_BYTES = 63;

    /**
     * The command a whole Query frame (type, length, text, NUL) holds, or null when it holds anything
     * else or is malformed ({@link PgFrames#queryTextEnd}: a malformed Query is PostgreSQL's to refuse).
     * The NUL scan runs only for a command, as in {@link DiscardAllCommand#isLoneQuery}.
     */
    public static ListenCommand parseQuery(ByteBuf frame) {
        int last = frame.writerIndex() - 1; // the NUL of a well-formed query
        ListenCommand command = parse(frame, frame.readerIndex() + PgFrames.HEADER_LENGTH, last);
        return command != null && PgFrames.queryTextEnd(frame) == last ? command : null;
    }

    /** The command in {@code text[from, to)}, or null when the text is anything else. */
    public static ListenCommand parse(ByteBuf text, int from, int to) {
        SqlLexer lexer = new SqlLexer(text, from, to);
        lexer.next();
        Kind kind;
        if (lexer.wordIs("listen")) {
            kind = Kind.LISTEN;
        } else if (lexer.wordIs("unlisten")) {
            kind = Kind.UNLISTEN;
        } else {
            return null;
        }
        int type = lexer.next();
        String channel = null;
        if (kind == Kind.UNLISTEN && lexer.symbolIs('*')) {
            kind = Kind.UNLISTEN_ALL;
        } else if (type == SqlLexer.WORD || type == SqlLexer.QUOTED_IDENTIFIER) {
            channel = clip(lexer.identifier());
            if (channel.isEmpty()) {
                return null; // "" is a zero-length identifier: PostgreSQL's error, not ours to answer
            }
        } else {
            return null;
        }
        type = lexer.next();
        if (lexer.symbolIs(';')) {
            type = lexer.next();
        }
        return type == SqlLexer.END ? new ListenCommand(kind, channel) : null;
    }

    /** The statement's CommandComplete tag, as PostgreSQL sends it. */
    public String commandTag() {
        return kind == Kind.LISTEN ? "LISTEN" : "UNLISTEN";
    }

    private static String clip(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_IDENTIFIER_BYTES) {
            return name;
        }
        int end = MAX_IDENTIFIER_BYTES;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--; // do not cut a multi-byte character in half
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }
}
