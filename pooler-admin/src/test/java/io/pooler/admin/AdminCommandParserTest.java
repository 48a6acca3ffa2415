package io.pooler.admin;

import io.pooler.admin.AdminCommandParser.BadArguments;
import io.pooler.admin.AdminCommandParser.Command;
import io.pooler.admin.AdminCommandParser.Invalid;
import io.pooler.admin.AdminCommandParser.Parsed;
import io.pooler.admin.AdminCommandParser.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** PgBouncer's console grammar (src/admin.c): one command, an optional argument, an optional semicolon. */
class AdminCommandParserTest {

    @Test
    void commandsWithAndWithoutArgument() {
        assertEquals(new Command("SHOW", "POOLS"), AdminCommandParser.parse("SHOW POOLS"));
        assertEquals(new Command("show", "pools"), AdminCommandParser.parse("  show\tpools ;  "));
        assertEquals(new Command("RELOAD", ""), AdminCommandParser.parse("RELOAD;"));
        assertEquals(new Command("pause", "my_db"), AdminCommandParser.parse("pause my_db"));
    }

    @Test
    void quotedNamesMayHoldAnything() {
        assertEquals(new Command("PAUSE", "my-db"), AdminCommandParser.parse("PAUSE \"my-db\""));
        assertEquals(new Command("PAUSE", "say \"hi\""), AdminCommandParser.parse("PAUSE \"say \"\"hi\"\"\""));
    }

    @Test
    void setTakesAWordOrAQuotedString() {
        assertEquals(new Set("default_pool_size", "30"), AdminCommandParser.parse("SET default_pool_size = 30"));
        assertEquals(new Set("server_reset_query", "DISCARD ALL"),
                AdminCommandParser.parse("set server_reset_query to 'DISCARD ALL';"));
        assertEquals(new Set("application_name_add_host", "it's"),
                AdminCommandParser.parse("SET application_name_add_host = 'it''s'"));
    }

    @Test
    void anythingElseIsNotACommand() {
        assertInstanceOf(Invalid.class, AdminCommandParser.parse("SHOW POOLS EXTRA"));
        assertInstanceOf(Invalid.class, AdminCommandParser.parse("SHOW POOLS; SHOW STATS"));
        assertInstanceOf(Invalid.class, AdminCommandParser.parse("PAUSE my-db"));
        assertInstanceOf(Invalid.class, AdminCommandParser.parse(""));
    }

    @Test
    void overlongWordsAreBadArguments() {
        assertInstanceOf(BadArguments.class, AdminCommandParser.parse("abcdefghijklmnopq"));
        assertInstanceOf(BadArguments.class, AdminCommandParser.parse("PAUSE " + "d".repeat(64)));
        assertEquals(new Command("PAUSE", "d".repeat(63)), AdminCommandParser.parse("PAUSE " + "d".repeat(63)));
    }

    /**
     * Issue 9, item 1: a quoted word that never closes properly once made the regex try every way of
     * splitting its content (2^n). Each of these must be answered at once, whatever its length.
     */
    @ParameterizedTest
    @ValueSource(ints = {40, 1_000, 100_000})
    void hostileQuotedWordsParseInLinearTime(int length) {
        String content = "a".repeat(length);
        List<String> hostile = List.of(
                "SHOW \"" + content + "\"x",
                "\"" + content + "\"x",
                "SET \"" + content + "\"x = 1",
                "SET k = \"" + content + "\"x",
                "SET k = '" + content + "'x",
                "SHOW \"" + "\"\"".repeat(length / 2) + "x",
                "SHOW " + " \t".repeat(length / 2) + "x y",
                "SET " + "to".repeat(length / 2) + " tox",
                "SHOW \"" + "a\"\"".repeat(length / 3) + "\"x");
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            assertInstanceOf(Invalid.class, AdminCommandParser.parse(hostile.get(0)));
            for (String query : hostile) {
                assertNotNull(AdminCommandParser.parse(query));
            }
        });
    }

    @Test
    void setKeyMayRunIntoTo() {
        assertEquals(new Set("a", "b"), AdminCommandParser.parse("set ato b"));
        assertEquals(new Set("a", "x"), AdminCommandParser.parse("SET a TOx"));
        assertEquals(new Set("ato", "b"), AdminCommandParser.parse("set ato tob"), "the longest key wins");
        assertEquals(new Set("a", "b"), AdminCommandParser.parse("set ato 'b'"));
        assertEquals(new Set("k", "v"), AdminCommandParser.parse("set \"k\"to\"v\";"));
        assertEquals(new Command("set", "atob"), AdminCommandParser.parse("set atob"), "two words are a command");
        assertInstanceOf(Invalid.class, AdminCommandParser.parse("set a to"));
        assertInstanceOf(Invalid.class, AdminCommandParser.parse("\u017Fet a = b"), "only ASCII letters fold");
        assertInstanceOf(BadArguments.class, AdminCommandParser.parse("set \"\" = b"), "an empty key");
    }

    @Test
    void quotedWordsCloseAtTheFirstLoneQuote() {
        assertEquals(new Command("PAUSE", "a\""), AdminCommandParser.parse("PAUSE \"a\"\"\""));
        assertEquals(new Command("PAUSE", ""), AdminCommandParser.parse("PAUSE \"\""));
        assertInstanceOf(Invalid.class, AdminCommandParser.parse("PAUSE \"a\"\""));
        assertInstanceOf(Invalid.class, AdminCommandParser.parse("PAUSE \"a\"b"));
    }

    @Test
    void lengthsCountBytesAsPgBouncersBuffersDo() {
        assertEquals(new Command("PAUSE", "\u00e9".repeat(30)), AdminCommandParser.parse("PAUSE \"" + "\u00e9".repeat(30) + "\""));
        assertInstanceOf(BadArguments.class, AdminCommandParser.parse("PAUSE \"" + "\u00e9".repeat(31) + "\""));
    }

    /**
     * PgBouncer's own regexes, run by Java's engine on queries short enough for its backtracking to be
     * quick, answer exactly as the scanner does.
     */
    @Test
    void answersAsPgBouncersRegexesDo() {
        Random random = new Random(9);
        String[] pieces = {"set", "SeT", "to", "tO", "show", "a", "b_1", " ", "\t", "\n", "\"", "\"\"", "'", "''",
                ";", "=", "x", "-", "\u00e9"};
        for (int i = 0; i < 50_000; i++) {
            StringBuilder query = new StringBuilder();
            for (int n = random.nextInt(9); n > 0; n--) {
                query.append(pieces[random.nextInt(pieces.length)]);
            }
            String q = query.toString();
            assertEquals(PgBouncerRegexes.parse(q), AdminCommandParser.parse(q), q);
        }
    }

    /** src/admin.c's three patterns, as the parser used them before issue 9. */
    private static final class PgBouncerRegexes {
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

        static Parsed parse(String query) {
            Matcher m = COMMAND.matcher(query);
            if (m.matches()) {
                String word = unquote(m.group(1), '"', 15);
                String arg = m.group(2) == null ? "" : unquote(m.group(2), '"', 63);
                return word == null || arg == null ? new BadArguments() : new Command(word, arg);
            }
            m = SET_STRING.matcher(query);
            if (!m.matches()) {
                m = SET_WORD.matcher(query);
                if (!m.matches()) {
                    return new Invalid();
                }
            }
            String key = unquote(m.group(1), '"', 63);
            String value = unquote(m.group(2), m.group(2).startsWith("'") ? '\'' : '"', 255);
            return key == null || key.isEmpty() || value == null ? new BadArguments() : new Set(key, value);
        }

        private static String unquote(String word, char quote, int max) {
            if (word.getBytes(StandardCharsets.UTF_8).length > max) {
                return null;
            }
            if (word.length() >= 2 && word.charAt(0) == quote) {
                return word.substring(1, word.length() - 1).replace("" + quote + quote, "" + quote);
            }
            return word;
        }
    }
}
