package io.pooler.sql;

import io.netty.buffer.ByteBuf;

/**
 * Whether a simple-protocol query is exactly one {@code DISCARD ALL} statement (any case, comments,
 * an optional trailing semicolon), the reset psycopg2 sends each time a pool lends a connection
 * again (Odoo's {@code ConnectionPool.borrow} calls {@code connection.reset()}). In transaction
 * pooling the pooler can answer it itself for a client that holds no server; see FrontendRelay.
 */
public final class DiscardAllCommand {
    /** The command tag PostgreSQL answers it with. */
    public static final String TAG = "DISCARD ALL";

    private DiscardAllCommand() {
    }

    /**
     * True when a whole Query frame holds one DISCARD ALL and nothing else ({@link LoneStatement#inQuery}):
     * this runs on the first query of every transaction.
     */
    public static boolean isLoneQuery(ByteBuf frame) {
        return LoneStatement.inQuery(frame, DiscardAllCommand::isLone);
    }

    /** True when {@code text[from, to)} is one DISCARD ALL and nothing else. */
    private static boolean isLone(ByteBuf text, int from, int to) {
        if (LoneStatement.outOfBounds(from, to, TAG)) {
            return false;
        }
        SqlLexer lexer = new SqlLexer(text, from, to);
        lexer.next();
        if (!lexer.wordIs("discard")) {
            return false;
        }
        lexer.next();
        return lexer.wordIs("all") && LoneStatement.endsAfter(lexer);
    }
}
