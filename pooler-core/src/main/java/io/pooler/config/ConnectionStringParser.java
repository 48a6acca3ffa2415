package io.pooler.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a {@code [databases]} or {@code [users]} value into {@code key=value} pairs, following PgBouncer's
 * {@code cstr_get_pair}: pairs are separated by blanks, blanks may surround {@code =}, a value is either
 * unquoted up to the next blank or single-quoted, and empty values are refused.
 *
 * <p>Inside quotes {@code ''} stands for one quote, as in PgBouncer, and so does {@code \'} as in libpq;
 * {@code \\} is one backslash. Any other backslash is kept as written, so passwords and paths with a
 * backslash read the same as in PgBouncer. Hand-written because no library parses this dialect.
 */
final class ConnectionStringParser {

    /** One {@code key=value}, unquoted. */
    record Pair(String key, String value) {
    }

    private final String text;
    private int pos;

    private ConnectionStringParser(String text) {
        this.text = text;
    }

    /** The pairs in the order written; a key written twice appears twice (the last one wins in PgBouncer). */
    static List<Pair> parse(String text) throws InvalidValueException {
        return new ConnectionStringParser(text).pairs();
    }

    private List<Pair> pairs() throws InvalidValueException {
        List<Pair> pairs = new ArrayList<>();
        skipBlanks();
        while (pos < text.length()) {
            String key = key();
            String value = value(key);
            pairs.add(new Pair(key, value));
            skipBlanks();
        }
        return pairs;
    }

    private String key() throws InvalidValueException {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) != '=' && !isBlank(text.charAt(pos))) {
            pos++;
        }
        String key = text.substring(start, pos);
        skipBlanks();
        if (key.isEmpty()) {
            throw new InvalidValueException("syntax error in connection string: \"=\" without a parameter name");
        }
        if (pos >= text.length() || text.charAt(pos) != '=') {
            throw new InvalidValueException("syntax error in connection string: expected \"=\" after \"" + key + "\"");
        }
        pos++;
        skipBlanks();
        return key;
    }

    private String value(String key) throws InvalidValueException {
        String value = pos < text.length() && text.charAt(pos) == '\'' ? quotedValue(key) : plainValue();
        if (value.isEmpty()) {
            throw new InvalidValueException("syntax error in connection string: empty value for \"" + key + "\"");
        }
        return value;
    }

    private String plainValue() {
        int start = pos;
        while (pos < text.length() && !isBlank(text.charAt(pos))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private String quotedValue(String key) throws InvalidValueException {
        StringBuilder value = new StringBuilder();
        pos++;
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            char next = pos < text.length() ? text.charAt(pos) : 0;
            if (c == '\\' && (next == '\'' || next == '\\')) {
                value.append(next);
                pos++;
            } else if (c == '\'' && next == '\'') {
                value.append('\'');
                pos++;
            } else if (c == '\'') {
                if (pos < text.length() && !isBlank(next)) {
                    throw new InvalidValueException(
                            "syntax error in connection string: expected a blank after the quoted value of \"" + key + "\"");
                }
                return value.toString();
            } else {
                value.append(c);
            }
        }
        throw new InvalidValueException("syntax error in connection string: unterminated quoted value for \"" + key + "\"");
    }

    private void skipBlanks() {
        while (pos < text.length() && isBlank(text.charAt(pos))) {
            pos++;
        }
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }
}
