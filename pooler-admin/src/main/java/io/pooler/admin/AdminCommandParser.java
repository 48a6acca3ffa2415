package io.pooler.admin;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Splits one console query into a command word and an optional argument, or a SET key and value, with
 * PgBouncer's grammar (src/admin.c), which PgBouncer writes as three POSIX regexes tried in this order:
 * <pre>
 *   command:     ^ WS0 WORD (WS1 WORD)? WS0 (; WS0)? $
 *   set, string: ^ WS0 set WS1 WORD WS0 (=|to) WS0 STRING WS0 (; WS0)? $
 *   set, word:   ^ WS0 set WS1 WORD WS0 (=|to) WS0 WORD WS0 (; WS0)? $
 *   WORD   = "([^"]+|"")*" | [0-9a-z_]+       STRING = '([^']|'')*'       WS = [ \t\n\r]
 * </pre>
 * case-insensitive. A longer query is not a command.
 *
 * <p>NOTE: this is a hand scanner, not those regexes: {@code ([^"]+|"")*} nests quantifiers, and Java's
 * backtracking engine tried every split of an unclosed quoted word (2^n steps; issue 9, item 1: 40
 * characters kept an event loop busy for hours). The scanner reads each character a bounded number of
 * times, so a query costs time linear in its length. It gives the same answers because the grammar
 * leaves only one choice open, handled in {@link #parseSet}: after a quoted word the next character can
 * never be a quote, so a doubled quote inside one is always an escape and the first lone quote closes it.
 */
public final class AdminCommandParser {
    /** PgBouncer's buffer sizes, in bytes of the word as written (quotes included): longer is "bad arguments". */
    private static final int MAX_COMMAND = 15;
    private static final int MAX_ARGUMENT = 63;
    private static final int MAX_VALUE = 255;

    /** What a query says. */
    public sealed interface Parsed permits Command, Set, Invalid, BadArguments {
    }

    /** A command word (as written) and its argument, empty when none. */
    public record Command(String word, String argument) implements Parsed {
    }

    public record Set(String key, String value) implements Parsed {
    }

    /** Not a command at all. */
    public record Invalid() implements Parsed {
    }

    /** A command with a word or value too long. */
    public record BadArguments() implements Parsed {
    }

    /** Where each token of a query starts and ends (end exclusive); as written, quotes included. */
    private record Span(int start, int end) {
    }

    private AdminCommandParser() {
    }

    public static Parsed parse(String query) {
        Optional<Span[]> command = parseCommand(query);
        if (command.isPresent()) {
            Span word = command.get()[0];
            Span arg = command.get()[1];
            Optional<String> name = unquote(query, word, '"', MAX_COMMAND);
            Optional<String> argument = arg == null ? Optional.of("") : unquote(query, arg, '"', MAX_ARGUMENT);
            if (name.isEmpty() || argument.isEmpty()) {
                return new BadArguments();
            }
            return new Command(name.get(), argument.get());
        }
        // PgBouncer tries the quoted-string form of SET first, then the word form.
        for (char valueQuote : new char[] {'\'', '"'}) {
            Optional<Span[]> set = parseSet(query, valueQuote);
            if (set.isPresent()) {
                Optional<String> key = unquote(query, set.get()[0], '"', MAX_ARGUMENT);
                Optional<String> value = unquote(query, set.get()[1], valueQuote, MAX_VALUE);
                if (key.isEmpty() || key.get().isEmpty() || value.isEmpty()) {
                    return new BadArguments();
                }
                return new Set(key.get(), value.get());
            }
        }
        return new Invalid();
    }

    /** {@code WS0 WORD (WS1 WORD)? WS0 (; WS0)? $}: the word and the argument (null when none). */
    private static Optional<Span[]> parseCommand(String q) {
        int at = skipSpace(q, 0);
        int wordEnd = wordEnd(q, at);
        if (wordEnd < 0) {
            return Optional.empty();
        }
        Span word = new Span(at, wordEnd);
        Span arg = null;
        at = skipSpace(q, wordEnd);
        if (at > wordEnd) {
            int argEnd = wordEnd(q, at);
            if (argEnd >= 0) {
                arg = new Span(at, argEnd);
                at = argEnd;
            }
        }
        return atEnd(q, at) ? Optional.of(new Span[] {word, arg}) : Optional.empty();
    }

    /**
     * {@code WS0 set WS1 WORD WS0 (=|to) WS0 VALUE WS0 (; WS0)? $}, VALUE a STRING when valueQuote is
     * {@code '} and a WORD when it is {@code "}: the key and the value.
     *
     * <p>The one open choice: an unquoted key may run straight into {@code to}, so {@code set ato b} has
     * the key {@code a}. The key is then either the whole run of word characters or that run less a
     * trailing {@code to}; POSIX gives the leftmost group the longest match, so the whole run is tried
     * first. (A key that ends inside the run with the value after it would be {@code set WORD}, which the
     * command form has already taken.)
     */
    private static Optional<Span[]> parseSet(String q, char valueQuote) {
        int at = skipSpace(q, 0);
        if (!keyword(q, at, "set")) {
            return Optional.empty();
        }
        int keyStart = skipSpace(q, at + 3);
        if (keyStart == at + 3) {
            return Optional.empty();
        }
        int keyEnd = wordEnd(q, keyStart);
        if (keyEnd < 0) {
            return Optional.empty();
        }
        int valueStart = afterOperator(q, skipSpace(q, keyEnd));
        Optional<Span> value = valueStart < 0 ? Optional.empty() : value(q, valueStart, valueQuote);
        if (value.isPresent()) {
            return Optional.of(new Span[] {new Span(keyStart, keyEnd), value.get()});
        }
        boolean unquotedKey = q.charAt(keyStart) != '"';
        if (unquotedKey && keyEnd - keyStart > 2 && keyword(q, keyEnd - 2, "to")) {
            value = value(q, skipSpace(q, keyEnd), valueQuote);
            if (value.isPresent()) {
                return Optional.of(new Span[] {new Span(keyStart, keyEnd - 2), value.get()});
            }
        }
        return Optional.empty();
    }

    /** {@code (=|to) WS0}: where the value starts, or -1. */
    private static int afterOperator(String q, int at) {
        if (at < q.length() && q.charAt(at) == '=') {
            return skipSpace(q, at + 1);
        }
        if (keyword(q, at, "to")) {
            return skipSpace(q, at + 2);
        }
        return -1;
    }

    /** {@code VALUE WS0 (; WS0)? $}. */
    private static Optional<Span> value(String q, int at, char valueQuote) {
        int end = valueQuote == '\'' ? quotedEnd(q, at, '\'') : wordEnd(q, at);
        return end >= 0 && atEnd(q, end) ? Optional.of(new Span(at, end)) : Optional.empty();
    }

    /** End of the WORD starting at {@code at}, or -1 when none starts there. */
    private static int wordEnd(String q, int at) {
        if (at < q.length() && q.charAt(at) == '"') {
            return quotedEnd(q, at, '"');
        }
        int end = at;
        while (end < q.length() && isWordChar(q.charAt(end))) {
            end++;
        }
        return end > at ? end : -1;
    }

    /**
     * End of the quoted word starting at {@code at} ({@code "([^"]+|"")*"} or {@code '([^']|'')*'}),
     * or -1. A doubled quote is an escape; the first lone quote closes the word.
     */
    private static int quotedEnd(String q, int at, char quote) {
        if (at >= q.length() || q.charAt(at) != quote) {
            return -1;
        }
        int i = at + 1;
        while (i < q.length()) {
            if (q.charAt(i) == quote) {
                if (i + 1 < q.length() && q.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return -1;
    }

    /** {@code WS0 (; WS0)? $} from {@code at}. */
    private static boolean atEnd(String q, int at) {
        at = skipSpace(q, at);
        if (at < q.length() && q.charAt(at) == ';') {
            at = skipSpace(q, at + 1);
        }
        return at == q.length();
    }

    private static int skipSpace(String q, int at) {
        while (at < q.length() && isSpace(q.charAt(at))) {
            at++;
        }
        return at;
    }

    /**
     * Whether {@code word} (lower case ASCII letters) is written at {@code at}, in any ASCII case: not
     * {@code regionMatches(true, ...)}, which would take the long s (U+017F) for an s.
     */
    private static boolean keyword(String q, int at, String word) {
        if (at < 0 || at + word.length() > q.length()) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            char c = q.charAt(at + i);
            if (c != word.charAt(i) && c != word.charAt(i) - ('a' - 'A')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    private static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    /**
     * The token's text without its quotes, doubled quotes made single; empty when it is longer than
     * {@code max} bytes as written, as PgBouncer's fixed buffers allow.
     */
    private static Optional<String> unquote(String q, Span span, char quote, int max) {
        String word = q.substring(span.start(), span.end());
        if (word.getBytes(StandardCharsets.UTF_8).length > max) {
            return Optional.empty();
        }
        if (word.length() >= 2 && word.charAt(0) == quote) {
            return Optional.of(word.substring(1, word.length() - 1).replace("" + quote + quote, "" + quote));
        }
        return Optional.of(word);
    }
}
