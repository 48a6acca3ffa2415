package io.pooler.admin;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits one console query into a command word and an optional argument, or a SET key and value, with
 * PgBouncer's grammar (src/admin.c): words are letters, digits and underscores or a double-quoted name,
 * case does not matter, a trailing semicolon is optional, and a longer query is not a command.
 */
public final class AdminCommandParser {
    private static final String WS0 = "[ \\t\\n\\r]*";
    private static final String WS1 = "[ \\t\\n\\r]+";
    private static final String WORD = "(\"(?:[^\"]+|\"\")*\"|[0-9a-z_]+)";
    private static final String STRING = "('(?:[^']|'')*')";
    private static final String END = WS0 + "(?:;" + WS0 + ")?$";

    private static final Pattern COMMAND = Pattern.compile("^" + WS0 + WORD + "(?:" + WS1 + WORD + ")?" + END,
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SET_STRING = Pattern.compile(
            "^" + WS0 + "set" + WS1 + WORD + WS0 + "(?:=|to)" + WS0 + STRING + END, Pattern.CASE_INSENSITIVE);
    private static final Pattern SET_WORD = Pattern.compile(
            "^" + WS0 + "set" + WS1 + WORD + WS0 + "(?:=|to)" + WS0 + WORD + END, Pattern.CASE_INSENSITIVE);

    /** PgBouncer's buffer sizes: longer words are "bad arguments". */
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

    private AdminCommandParser() {
    }

    public static Parsed parse(String query) {
        Matcher m = COMMAND.matcher(query);
        if (m.matches()) {
            Optional<String> word = unquote(m.group(1), '"', MAX_COMMAND);
            Optional<String> arg = m.group(2) == null ? Optional.of("") : unquote(m.group(2), '"', MAX_ARGUMENT);
            if (word.isEmpty() || arg.isEmpty()) {
                return new BadArguments();
            }
            return new Command(word.get(), arg.get());
        }
        m = SET_STRING.matcher(query);
        if (!m.matches()) {
            m = SET_WORD.matcher(query);
            if (!m.matches()) {
                return new Invalid();
            }
        }
        Optional<String> key = unquote(m.group(1), '"', MAX_ARGUMENT);
        String rawValue = m.group(2);
        Optional<String> value = unquote(rawValue, rawValue.startsWith("'") ? '\'' : '"', MAX_VALUE);
        if (key.isEmpty() || key.get().isEmpty() || value.isEmpty()) {
            return new BadArguments();
        }
        return new Set(key.get(), value.get());
    }

    /** Removes the quotes of a quoted word, turning doubled quotes into one; empty when too long. */
    private static Optional<String> unquote(String word, char quote, int max) {
        if (word.length() > max) {
            return Optional.empty();
        }
        if (word.length() >= 2 && word.charAt(0) == quote) {
            return Optional.of(word.substring(1, word.length() - 1).replace("" + quote + quote, "" + quote));
        }
        return Optional.of(word);
    }
}
