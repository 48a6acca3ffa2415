package io.pooler.sql;

import io.netty.buffer.ByteBuf;
import io.pooler.protocol.PgFrames;

/**
 * Whether a simple-protocol query is exactly one {@code DISCARD ALL} statement (any case, comments,
 * an optional trailing semicolon), the reset psycopg2 sends each time a pool lends a connection
 * again (Odoo's {@code ConnectionPool.borrow} calls {@code connection.reset()}). In transaction
 * pooling the pooler can answer it itself for a client that holds no server; see FrontendRelay.
 */
public final class DiscardAllCommand {
    /** The command tag PostgreSQL answers it with. */
    public static final String TAG = "DISCARD ALL";
    /**
     * Longer texts are not looked at: the statement is 11 bytes, and a query this size with comments
     * around it is not worth a lexer's time on every query of a client without a server.
     */
    static final int MAX_TEXT_BYTES = 256;

    private DiscardAllCommand() {
    }

    /**
     * True when a whole Query frame (type, length, text, NUL) holds one DISCARD ALL and nothing else; a
     * malformed one is not ({@link PgFrames#queryTextEnd}). The length is checked first and the NUL
     * scan runs only for a match, so a long query costs two comparisons: this runs on the first query
     * of every transaction.
     */
    public static boolean isLoneQuery(ByteBuf frame) {
        int textStart = frame.readerIndex() + PgFrames.HEADER_LENGTH;
        int last = frame.writerIndex() - 1; // the NUL of a well-formed query
        return isLone(frame, textStart, last) && PgFrames.queryTextEnd(frame) == last;
    }

    /** True when {@code text[from, to)} is one DISCARD ALL and nothing else. */
    private static boolean isLone(ByteBuf text, int from, int to) {
        if (to - from > MAX_TEXT_BYTES || to - from < TAG.length()) {
            return false;
        }
        SqlLexer lexer = new SqlLexer(text, from, to);
        lexer.next();
        if (!lexer.wordIs("discard")) {
            return false;
        }
        lexer.next();
        if (!lexer.wordIs("all")) {
            return false;
        }
        int type = lexer.next();
        if (lexer.symbolIs(';')) {
            type = lexer.next();
        }
        return type == SqlLexer.END;
    }
}
