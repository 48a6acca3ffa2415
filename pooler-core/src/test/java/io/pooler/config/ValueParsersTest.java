package io.pooler.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValueParsersTest {

    private static final long INT_MAX = Integer.MAX_VALUE;

    @ParameterizedTest
    @CsvSource({
            "0, 0",
            "20, 20",
            "+7, 7",
            "0777, 511",     // leading zero: octal, as strtol(.., 0)
            "0x1F, 31",
            "0X10, 16",
            "2147483647, 2147483647",
    })
    void readsIntegersLikeStrtolBaseZero(String text, long expected) throws Exception {
        assertEquals(expected, ValueParsers.parseInteger(text, 0, INT_MAX));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "abc           | not an integer",
            "''            | not an integer",
            "12abc         | not an integer",
            "1.5           | not an integer",
            "08            | not an integer",   // strtol stops at 8 and PgBouncer refuses the rest
            "#10           | not an integer",
            "10 20         | not an integer",
            "-1            | must not be negative",
            "2147483648    | must be between 0 and 2147483647",
            "99999999999999999999 | out of range",
    })
    void refusesBadIntegers(String text, String reason) {
        InvalidValueException e = assertThrows(InvalidValueException.class,
                () -> ValueParsers.parseInteger(text, 0, INT_MAX));
        assertEquals(reason, e.reason());
    }

    @Test
    void checksTheKeysRange() {
        InvalidValueException e = assertThrows(InvalidValueException.class,
                () -> ValueParsers.parseInteger("0", 1, 65535));
        assertEquals("must be between 1 and 65535", e.reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "yes", "YES", "on", "true", "True", "2"})
    void readsTrue(String text) throws Exception {
        assertTrue(ValueParsers.parseBool(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "no", "off", "false", "OFF", "00"})
    void readsFalse(String text) throws Exception {
        assertFalse(ValueParsers.parseBool(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "maybe", "y", "1.0"})
    void refusesOtherSwitchValues(String text) {
        InvalidValueException e = assertThrows(InvalidValueException.class, () -> ValueParsers.parseBool(text));
        assertEquals("not a boolean (use 0/1, yes/no, on/off or true/false)", e.reason());
    }

    @ParameterizedTest
    @CsvSource({
            "0, 0",
            "5, 5000000",
            "5.0, 5000000",
            "0.5, 500000",
            ".25, 250000",
            "3600, 3600000000",
            "1e3, 1000000000",
            "1.5E-3, 1500",
            "0.0000015, 1",         // microsecond precision, truncated like PgBouncer's (usec_t)(USEC * v)
            "0.0000001, 0",
            "+2, 2000000",
    })
    void readsSecondsWithMicrosecondPrecision(String text, long micros) throws Exception {
        assertEquals(Duration.ofNanos(micros * 1000), ValueParsers.parseSeconds(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "5s          | not a number of seconds",   // PgBouncer has no unit suffixes
            "1min        | not a number of seconds",
            "abc         | not a number of seconds",
            "''          | not a number of seconds",
            "inf         | not a number of seconds",
            "NaN         | not a number of seconds",
            "1.2.3       | not a number of seconds",
            "-1          | must not be negative",
            "-0.5        | must not be negative",
            "1e999999999 | out of range",
    })
    void refusesBadSeconds(String text, String reason) {
        InvalidValueException e = assertThrows(InvalidValueException.class, () -> ValueParsers.parseSeconds(text));
        assertEquals(reason, e.reason());
    }

    @Test
    void toleratesExtremeTinyExponents() throws Exception {
        assertEquals(Duration.ZERO, ValueParsers.parseSeconds("1e-999999999"));
    }

    @Test
    void splitsListsOnCommasAndBlanks() {
        assertEquals(List.of("a", "b", "c", "d"), ValueParsers.parseList(" a,b , c  d,, "));
        assertEquals(List.of(), ValueParsers.parseList(""));
        assertEquals(List.of("IntervalStyle"), ValueParsers.parseList("IntervalStyle"));
    }

    @Test
    void matchesChoicesIgnoringCaseAndReturnsTheCanonicalSpelling() throws Exception {
        List<String> choices = List.of("session", "transaction", "statement");

        assertEquals("transaction", ValueParsers.parseChoice("Transaction", choices));
        InvalidValueException e = assertThrows(InvalidValueException.class,
                () -> ValueParsers.parseChoice("sometimes", choices));
        assertEquals("expected one of session, transaction, statement", e.reason());
    }
}
