package io.pooler.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Turns configuration strings into typed values, with PgBouncer's rules for what is accepted. */
final class ValueParsers {

    private static final Pattern SECONDS = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern INTEGER_SYNTAX = Pattern.compile("[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)");
    private static final Pattern LIST_SEPARATOR = Pattern.compile("[,\\s]+");
    private static final BigDecimal ONE_MICROSECOND = new BigDecimal("0.000001");
    private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(Long.MAX_VALUE / 1_000_000);

    private ValueParsers() {
    }

    /**
     * Parses a value of {@code key}: a {@code Long}, {@code Boolean}, {@code Duration}, {@code String},
     * {@code List<String>}, or for an enum the choice's canonical spelling.
     */
    static Object parse(ConfigKey key, String value) throws InvalidValueException {
        return switch (key.type()) {
            case INT -> parseInteger(value, key.min(), key.max());
            case BOOL -> parseBool(value);
            case SECONDS -> parseSeconds(value);
            case STRING -> value;
            case LIST -> parseList(value);
            case ENUM -> parseChoice(value, key.choices());
        };
    }

    /**
     * Reads an integer the way PgBouncer's {@code strtol(value, &end, 0)} does: optional sign, then decimal,
     * {@code 0x} hex or leading-zero octal ({@code unix_socket_mode = 0777} is 511), and nothing after it.
     */
    static long parseInteger(String value, long min, long max) throws InvalidValueException {
        long parsed;
        try {
            // Long.decode has strtol's base-0 rules; it also takes a '#' hex prefix, which C does not.
            if (value.startsWith("#")) {
                throw new NumberFormatException();
            }
            parsed = Long.decode(value);
        } catch (NumberFormatException e) {
            boolean wellFormed = INTEGER_SYNTAX.matcher(value).matches();
            throw new InvalidValueException(wellFormed ? "out of range" : "not an integer");
        }
        if (parsed < min || parsed > max) {
            throw new InvalidValueException(min == 0 && parsed < 0
                    ? "must not be negative"
                    : "must be between " + min + " and " + max);
        }
        return parsed;
    }

    /**
     * Reads a switch. PgBouncer stores these as integers where non-zero means on; the words are accepted too
     * because people write them.
     */
    static boolean parseBool(String value) throws InvalidValueException {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "1", "yes", "on", "true":
                return true;
            case "0", "no", "off", "false":
                return false;
            default:
                try {
                    return Long.decode(value) != 0;
                } catch (NumberFormatException e) {
                    throw new InvalidValueException("not a boolean (use 0/1, yes/no, on/off or true/false)");
                }
        }
    }

    /**
     * Reads seconds with an optional fraction and exponent, as PgBouncer's {@code cf_set_time_usec}, and keeps
     * microsecond precision as PgBouncer does. Negative values are refused; there are no unit suffixes.
     */
    static Duration parseSeconds(String value) throws InvalidValueException {
        if (!SECONDS.matcher(value).matches()) {
            throw new InvalidValueException("not a number of seconds");
        }
        BigDecimal seconds = new BigDecimal(value);
        if (seconds.signum() < 0) {
            throw new InvalidValueException("must not be negative");
        }
        // Compare before scaling: an exponent like 1e999999999 must not turn into a giant number.
        if (seconds.compareTo(MAX_SECONDS) > 0) {
            throw new InvalidValueException("out of range");
        }
        if (seconds.compareTo(ONE_MICROSECOND) < 0) {
            return Duration.ZERO;
        }
        long micros = seconds.movePointRight(6).longValue();
        return Duration.of(micros, ChronoUnit.MICROS);
    }

    /**
     * Splits a list on commas and white space, like PgBouncer's {@code strlist_contains}, which cannot see
     * spaces inside a name either.
     */
    static List<String> parseList(String value) {
        return Arrays.stream(LIST_SEPARATOR.split(value.trim()))
                .filter(name -> !name.isEmpty())
                .toList();
    }

    /** Finds {@code value} among {@code choices} ignoring case, and returns the canonical spelling. */
    static String parseChoice(String value, List<String> choices) throws InvalidValueException {
        for (String choice : choices) {
            if (choice.equalsIgnoreCase(value)) {
                return choice;
            }
        }
        throw new InvalidValueException("expected one of " + String.join(", ", choices));
    }
}
