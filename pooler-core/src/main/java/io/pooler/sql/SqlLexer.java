package io.pooler.sql;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * A forward-only tokenizer over SQL text as PostgreSQL's lexer splits it, reading the bytes of a
 * message in place (no copy, no String per token). It knows only what is needed to find statement
 * boundaries and keywords safely: whitespace, {@code --} and nested {@code /* *}{@code /} comments,
 * string literals ({@code '…'}, {@code E'…'} with backslash escapes), dollar-quoted strings, quoted
 * identifiers and words. Everything else is a one-byte {@link #SYMBOL}.
 *
 * <p>Each byte is looked at a bounded number of times, so the cost is linear in the text and no input
 * can make it backtrack. An unterminated literal or comment simply runs to the end of the text, where
 * PostgreSQL itself will report the error.
 *
 * <p>NOTE: plain {@code '…'} literals are read with {@code standard_conforming_strings = on}, PostgreSQL's
 * default since 9.1 (a backslash is an ordinary character). With it off, a literal such as
 * {@code 'a\'; pg_advisory_lock(1)'} ends earlier than we think; the worst outcome is a pin that
 * should not be there, or a missed one, for that client only.
 */
public final class SqlLexer {
    public static final int END = 0;
    /** An unquoted word: keyword or identifier. Compare it with {@link #wordIs}. */
    public static final int WORD = 1;
    public static final int QUOTED_IDENTIFIER = 2;
    public static final int STRING = 3;
    /** Any other single byte: punctuation, an operator character, a digit. */
    public static final int SYMBOL = 4;

    private final ByteBuf text;
    private final int end;
    private int pos;
    private int tokenStart;
    private int tokenEnd;
    private int type = END;

    /** Reads {@code text} from {@code from} (inclusive) to {@code to} (exclusive); indexes are absolute. */
    public SqlLexer(ByteBuf text, int from, int to) {
        this.text = text;
        this.pos = from;
        this.end = to;
    }

    /** Moves to the next token and returns its type; {@link #END} once the text is used up. */
    public int next() {
        skipSpaceAndComments();
        tokenStart = pos;
        if (pos >= end) {
            type = END;
            tokenEnd = pos;
            return type;
        }
        byte b = text.getByte(pos);
        if ((b == 'E' || b == 'e') && pos + 1 < end && text.getByte(pos + 1) == '\'') {
            pos = skipQuoted(pos + 2, (byte) '\'', true);
            type = STRING;
        } else if (b == '\'') {
            pos = skipQuoted(pos + 1, (byte) '\'', false);
            type = STRING;
        } else if (b == '"') {
            pos = skipQuoted(pos + 1, (byte) '"', false);
            type = QUOTED_IDENTIFIER;
        } else if (b == '$' && dollarTagEnd(pos) > 0) {
            pos = skipDollarQuoted(pos, dollarTagEnd(pos));
            type = STRING;
        } else if (isWordStart(b)) {
            pos++;
            while (pos < end && isWordPart(text.getByte(pos))) {
                pos++;
            }
            type = WORD;
        } else {
            pos++;
            type = SYMBOL;
        }
        tokenEnd = pos;
        return type;
    }

    public int type() {
        return type;
    }

    /** True when the current token is a word equal to {@code lowerCaseAscii}, ignoring ASCII case. */
    public boolean wordIs(String lowerCaseAscii) {
        if (type != WORD || tokenEnd - tokenStart != lowerCaseAscii.length()) {
            return false;
        }
        for (int i = 0; i < lowerCaseAscii.length(); i++) {
            int c = text.getByte(tokenStart + i);
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lowerCaseAscii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** True when the current token is the one-byte symbol {@code c}. */
    public boolean symbolIs(char c) {
        return type == SYMBOL && text.getByte(tokenStart) == c;
    }

    /**
     * The current word or quoted identifier as PostgreSQL names it: unquoted words folded to lower case
     * (ASCII only, as PostgreSQL does for multi-byte encodings), quoted ones with {@code ""} unescaped.
     * Allocates; call it only for the few tokens that need a name.
     */
    public String identifier() {
        if (type == WORD) {
            String word = text.toString(tokenStart, tokenEnd - tokenStart, StandardCharsets.UTF_8);
            StringBuilder folded = new StringBuilder(word.length());
            for (int i = 0; i < word.length(); i++) {
                char c = word.charAt(i);
                folded.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
            }
            return folded.toString();
        }
        if (type == QUOTED_IDENTIFIER) {
            int innerEnd = tokenEnd - 1 > tokenStart && text.getByte(tokenEnd - 1) == '"' ? tokenEnd - 1 : tokenEnd;
            String inner = text.toString(tokenStart + 1, innerEnd - tokenStart - 1, StandardCharsets.UTF_8);
            return inner.replace("\"\"", "\"");
        }
        return null;
    }

    private void skipSpaceAndComments() {
        while (pos < end) {
            byte b = text.getByte(pos);
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f') {
                pos++;
            } else if (b == '-' && pos + 1 < end && text.getByte(pos + 1) == '-') {
                pos += 2;
                while (pos < end && text.getByte(pos) != '\n' && text.getByte(pos) != '\r') {
                    pos++;
                }
            } else if (b == '/' && pos + 1 < end && text.getByte(pos + 1) == '*') {
                skipBlockComment();
            } else {
                return;
            }
        }
    }

    /** PostgreSQL's block comments nest; depth is a counter, so nesting costs nothing extra. */
    private void skipBlockComment() {
        int depth = 0;
        while (pos < end) {
            byte b = text.getByte(pos);
            if (b == '/' && pos + 1 < end && text.getByte(pos + 1) == '*') {
                depth++;
                pos += 2;
            } else if (b == '*' && pos + 1 < end && text.getByte(pos + 1) == '/') {
                depth--;
                pos += 2;
                if (depth == 0) {
                    return;
                }
            } else {
                pos++;
            }
        }
    }

    /** Returns the index after the closing quote; a doubled quote is part of the literal. */
    private int skipQuoted(int from, byte quote, boolean backslashEscapes) {
        int i = from;
        while (i < end) {
            byte b = text.getByte(i);
            if (backslashEscapes && b == '\\') {
                i += 2;
            } else if (b == quote) {
                if (i + 1 < end && text.getByte(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return end;
    }

    /**
     * If a dollar-quote opening tag ({@code $$} or {@code $tag$}) starts at {@code at}, the index just
     * after it; otherwise -1 ({@code $1} is a parameter, not a tag).
     */
    private int dollarTagEnd(int at) {
        int i = at + 1;
        if (i < end && text.getByte(i) == '$') {
            return i + 1;
        }
        if (i >= end || !isWordStart(text.getByte(i))) {
            return -1;
        }
        while (i < end) {
            byte b = text.getByte(i);
            if (b == '$') {
                return i + 1;
            }
            if (!isWordPart(b)) {
                return -1;
            }
            i++;
        }
        return -1;
    }

    /**
     * Skips to just after the closing tag. NOTE: this stays linear however long the tag is. A tag has
     * no '$' inside, so a comparison started at one '$' of the body fails at the latest on the next
     * '$': the comparisons cover disjoint stretches of the text.
     */
    private int skipDollarQuoted(int tagStart, int bodyStart) {
        int tagLength = bodyStart - tagStart;
        int i = bodyStart;
        while (i < end) {
            if (text.getByte(i) == '$' && i + tagLength <= end && sameBytes(tagStart, i, tagLength)) {
                return i + tagLength;
            }
            i++;
        }
        return end;
    }

    private boolean sameBytes(int a, int b, int length) {
        for (int k = 0; k < length; k++) {
            if (text.getByte(a + k) != text.getByte(b + k)) {
                return false;
            }
        }
        return true;
    }

    /** Letters, underscore and any non-ASCII byte start an identifier, as in PostgreSQL's scan.l. */
    private static boolean isWordStart(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_' || b < 0;
    }

    private static boolean isWordPart(byte b) {
        return isWordStart(b) || (b >= '0' && b <= '9') || b == '$';
    }
}
