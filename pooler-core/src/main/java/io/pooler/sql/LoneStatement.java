package io.pooler.sql;

import io.netty.buffer.ByteBuf;
import io.pooler.protocol.PgFrames;

/**
 * What the commands recognised as a whole text share ({@link DiscardAllCommand}, {@link
 * DiscardStatementsCommand}): a Query frame's text between its header and its NUL, looked at only when it
 * is short, and the end of a statement (an optional semicolon, then nothing).
 */
final class LoneStatement {
    /** Longer texts are not looked at: such statements with comments around them are never this long. */
    static final int MAX_TEXT_BYTES = 256;

    /** Whether {@code text[from, to)} is the statement. */
    interface Text {
        boolean isLone(ByteBuf text, int from, int to);
    }

    private LoneStatement() {
    }

    /**
     * True when a whole Query frame (type, length, text, NUL) holds what {@code text} recognises and
     * nothing else; a malformed one does not ({@link PgFrames#queryTextEnd}). The length is checked
     * first and the NUL scan runs only for a match, so a long query costs two comparisons.
     */
    static boolean inQuery(ByteBuf frame, Text text) {
        int textStart = frame.readerIndex() + PgFrames.HEADER_LENGTH;
        int last = frame.writerIndex() - 1; // the NUL of a well-formed query
        return text.isLone(frame, textStart, last) && PgFrames.queryTextEnd(frame) == last;
    }

    /** True when {@code text[from, to)} is too long or too short to be a statement of {@code shortest}. */
    static boolean outOfBounds(int from, int to, String shortest) {
        return to - from > MAX_TEXT_BYTES || to - from < shortest.length();
    }

    /** True when the statement ends after the lexer's current token: an optional semicolon, then nothing. */
    static boolean endsAfter(SqlLexer lexer) {
        int type = lexer.next();
        if (lexer.symbolIs(';')) {
            type = lexer.next();
        }
        return type == SqlLexer.END;
    }
}
