package io.pooler.sql;

import io.netty.buffer.ByteBuf;

/**
 * Whether a statement's text may be one PostgreSQL runs in a failed transaction block: only COMMIT,
 * END, ROLLBACK, ABORT, ROLLBACK TO SAVEPOINT and PREPARE TRANSACTION are (its IsTransactionExitStmt);
 * every other Parse or Query there is refused with 25P02. An empty text is parsed too (it holds no
 * statement to refuse).
 *
 * <p>It errs one way only: "may end it" for anything it cannot tell from the first token (a text that
 * starts with a symbol, such as a parenthesis or a semicolon), and "does not" only for a text whose first
 * token is a word other than those five. The lexer reads each byte once, and only the first token is read.
 */
public final class TransactionExitCommand {
    private static final String[] EXIT_WORDS = {"commit", "end", "rollback", "abort", "prepare"};

    private TransactionExitCommand() {
    }

    /** True unless {@code text[from, to)} surely starts with a statement other than a transaction's end. */
    public static boolean mayEndTransaction(ByteBuf text, int from, int to) {
        SqlLexer lexer = new SqlLexer(text, from, to);
        if (lexer.next() != SqlLexer.WORD) {
            return true;
        }
        for (String word : EXIT_WORDS) {
            if (lexer.wordIs(word)) {
                return true;
            }
        }
        return false;
    }
}
