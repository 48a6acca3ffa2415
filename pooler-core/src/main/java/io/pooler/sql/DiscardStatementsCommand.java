package io.pooler.sql;

import io.netty.buffer.ByteBuf;

/**
 * Whether a text is exactly one statement that drops every prepared statement of the session: {@code
 * DEALLOCATE [PREPARE] ALL} or {@code DISCARD ALL} (any case, comments, an optional trailing semicolon).
 * psycopg 3 sends {@code DEALLOCATE ALL} by itself after a ROLLBACK or a DROP when it has prepared
 * statements, in pipeline mode written in one go with the statements after it; the pooler must know it
 * as the messages go out, not at its answer, which comes after the messages behind it went out
 * (StatementRewriter). A text with more statements than that one is not recognised (its answer is).
 */
public final class DiscardStatementsCommand {
    private DiscardStatementsCommand() {
    }

    /** True when a whole Query frame holds one such statement and nothing else ({@link LoneStatement#inQuery}). */
    public static boolean isLoneQuery(ByteBuf frame) {
        return LoneStatement.inQuery(frame, DiscardStatementsCommand::isLone);
    }

    /** True when {@code text[from, to)} is one such statement and nothing else. */
    public static boolean isLone(ByteBuf text, int from, int to) {
        if (LoneStatement.outOfBounds(from, to, DiscardAllCommand.TAG)) {
            return false;
        }
        SqlLexer lexer = new SqlLexer(text, from, to);
        lexer.next();
        if (lexer.wordIs("discard")) {
            lexer.next();
        } else if (lexer.wordIs("deallocate")) {
            lexer.next();
            if (lexer.wordIs("prepare")) {
                lexer.next();
            }
        } else {
            return false;
        }
        return lexer.wordIs("all") && LoneStatement.endsAfter(lexer);
    }
}
