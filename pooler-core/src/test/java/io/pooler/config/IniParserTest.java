package io.pooler.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IniParserTest {

    @TempDir
    Path dir;

    /** Records each entry as "file:line [section] key=value", the file by its name only. */
    private static List<String> parse(Path file) throws ConfigException {
        List<String> seen = new ArrayList<>();
        IniParser.parse(file, new IniParser.Handler() {
            @Override
            public void section(SourceLine at, String name) {
                seen.add(at.file().getFileName() + ":" + at.line() + " [" + name + "]");
            }

            @Override
            public void entry(SourceLine at, String section, String key, String value) {
                seen.add(at.file().getFileName() + ":" + at.line() + " [" + section + "] " + key + "=" + value);
            }
        });
        return seen;
    }

    @Test
    void readsSectionsAndKeysWithTheirLineNumbers() throws Exception {
        Path ini = IniFiles.write(dir.resolve("a.ini"),
                "; comment",
                "  # indented comment",
                "",
                "[pgbouncer]   ; a comment after a header",
                "listen_port=6000",
                "\tpool_mode \t=  transaction   ",
                "empty =",
                "[databases]",
                "*.db-1 = host=x");

        assertEquals(List.of(
                "a.ini:4 [pgbouncer]",
                "a.ini:5 [pgbouncer] listen_port=6000",
                "a.ini:6 [pgbouncer] pool_mode=transaction",
                "a.ini:7 [pgbouncer] empty=",
                "a.ini:8 [databases]",
                "a.ini:9 [databases] *.db-1=host=x"), parse(ini));
    }

    @Test
    void takesValuesVerbatimLikePgBouncer() throws Exception {
        // ';' and '#' only start comments at the beginning of a line, and quotes are not stripped.
        Path ini = IniFiles.write(dir.resolve("a.ini"),
                "[pgbouncer]",
                "server_reset_query = \"DISCARD ALL\"",
                "admin_users = 'admin' ; not a comment",
                "x = a # b");

        assertEquals(List.of(
                "a.ini:1 [pgbouncer]",
                "a.ini:2 [pgbouncer] server_reset_query=\"DISCARD ALL\"",
                "a.ini:3 [pgbouncer] admin_users='admin' ; not a comment",
                "a.ini:4 [pgbouncer] x=a # b"), parse(ini));
    }

    @Test
    void readsQuotedNames() throws Exception {
        Path ini = IniFiles.write(dir.resolve("a.ini"),
                "[databases]",
                "\"my \"\"odd\"\" db\" = host=x",
                "'other db'=host=y");

        assertEquals(List.of(
                "a.ini:1 [databases]",
                "a.ini:2 [databases] my \"odd\" db=host=x",
                "a.ini:3 [databases] other db=host=y"), parse(ini));
    }

    @Test
    void handlesCrLfLineEndingsAndAByteOrderMark() throws Exception {
        Path ini = dir.resolve("a.ini");
        Files.writeString(ini, "\uFEFF[pgbouncer]\r\nlisten_port = 1\r\n\r\npool_mode = session\r\n", StandardCharsets.UTF_8);

        assertEquals(List.of(
                "a.ini:1 [pgbouncer]",
                "a.ini:2 [pgbouncer] listen_port=1",
                "a.ini:4 [pgbouncer] pool_mode=session"), parse(ini));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "default_pool_size 20 | syntax error: expected \"=\" after \"default_pool_size\"",
            "foo bar = 1          | syntax error: expected \"=\" after \"foo\"",
            "[databases           | syntax error: section header without \"]\"",
            "[databases] junk     | syntax error: unexpected \"junk\" after section header",
            "@@ = 1               | syntax error: expected a key, a [section] or a comment",
            "\"unterminated = 1   | syntax error: unterminated quoted name",
            "'' = 1               | syntax error: empty quoted name",
            "%include             | %include needs a file name",
    })
    void malformedLinesNameFileAndLine(String line, String problem) {
        Path ini = IniFiles.write(dir.resolve("a.ini"), "[pgbouncer]", "listen_port = 1", line);

        ConfigException e = assertThrows(ConfigException.class, () -> parse(ini));

        assertEquals(ini + ":3: " + problem, e.getMessage());
        assertEquals(ini, e.file());
        assertEquals(3, e.line());
    }

    @Test
    void refusesAKeyBeforeAnySection() {
        Path ini = IniFiles.write(dir.resolve("a.ini"), "; no section yet", "listen_port = 1");

        ConfigException e = assertThrows(ConfigException.class, () -> parse(ini));

        assertEquals(ini + ":2: key \"listen_port\" is outside any [section]", e.getMessage());
    }

    @Test
    void includesRelativeToTheIncludingFileAndNests() throws Exception {
        Path main = IniFiles.write(dir.resolve("main.ini"),
                "[pgbouncer]",
                "%include conf.d/databases.ini",
                "listen_port = 1");
        IniFiles.write(dir.resolve("conf.d/databases.ini"),
                "pool_mode = session",
                "[databases]",
                "%include more.ini",
                "b = host=b");
        IniFiles.write(dir.resolve("conf.d/more.ini"), "a = host=a");

        // The section carries into an included file, and one changed there stays changed afterwards,
        // as in PgBouncer's parser.
        assertEquals(List.of(
                "main.ini:1 [pgbouncer]",
                "databases.ini:1 [pgbouncer] pool_mode=session",
                "databases.ini:2 [databases]",
                "more.ini:1 [databases] a=host=a",
                "databases.ini:4 [databases] b=host=b",
                "main.ini:3 [databases] listen_port=1"), parse(main));
    }

    @Test
    void includesAnAbsolutePath() throws Exception {
        Path other = IniFiles.write(dir.resolve("elsewhere/other.ini"), "listen_port = 7");
        Path main = IniFiles.write(dir.resolve("sub/main.ini"), "[pgbouncer]", "%include " + other.toAbsolutePath());

        assertEquals(List.of("main.ini:1 [pgbouncer]", "other.ini:1 [pgbouncer] listen_port=7"), parse(main));
    }

    @Test
    void aMissingIncludeIsAnErrorAtTheIncludeLine() {
        Path main = IniFiles.write(dir.resolve("main.ini"), "[pgbouncer]", "listen_port = 1", "%include missing.ini");

        ConfigException e = assertThrows(ConfigException.class, () -> parse(main));

        assertEquals(main + ":3: cannot read included file \"" + dir.resolve("missing.ini") + "\": no such file",
                e.getMessage());
        assertEquals(3, e.line());
    }

    @Test
    void anIncludeCycleIsAnError() throws IOException {
        Path a = IniFiles.write(dir.resolve("a.ini"), "[pgbouncer]", "%include b.ini");
        Path b = IniFiles.write(dir.resolve("b.ini"), "listen_port = 1", "%include a.ini");

        ConfigException e = assertThrows(ConfigException.class, () -> parse(a));

        assertEquals(b + ":2: include cycle: " + a.toRealPath() + " -> " + b.toRealPath() + " -> " + a.toRealPath(),
                e.getMessage());
    }

    @Test
    void aFileIncludingItselfIsACycle() {
        Path a = IniFiles.write(dir.resolve("a.ini"), "[pgbouncer]", "%include ./a.ini");

        ConfigException e = assertThrows(ConfigException.class, () -> parse(a));

        assertEquals(2, e.line());
        assertEquals(true, e.getMessage().contains("include cycle"), e.getMessage());
    }

    @Test
    void includesNestAtMostTenLevelsLikePgBouncer() throws Exception {
        assertEquals(List.of("10.ini:1 [pgbouncer]"), parse(includeChain(IniParser.MAX_INCLUDE_DEPTH)));

        ConfigException e = assertThrows(ConfigException.class,
                () -> parse(includeChain(IniParser.MAX_INCLUDE_DEPTH + 1)));
        assertEquals(true, e.getMessage().contains("%include nested more than 10 levels deep"), e.getMessage());
    }

    /** 0.ini includes 1.ini ... up to {@code levels}.ini, which has the section; returns 0.ini. */
    private Path includeChain(int levels) {
        Path chain = dir.resolve("chain" + levels);
        for (int i = 0; i < levels; i++) {
            IniFiles.write(chain.resolve(i + ".ini"), "%include " + (i + 1) + ".ini");
        }
        IniFiles.write(chain.resolve(levels + ".ini"), "[pgbouncer]");
        return chain.resolve("0.ini");
    }

    @Test
    void aMissingMainFileHasNoLine() {
        Path missing = dir.resolve("nope.ini");

        ConfigException e = assertThrows(ConfigException.class, () -> parse(missing));

        assertEquals(missing + ": cannot read configuration file: no such file", e.getMessage());
        assertEquals(0, e.line());
    }
}
