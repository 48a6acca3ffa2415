package io.pooler.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserlistTest {

    @Test
    void readsTheThreeSecretKindsCommentsAndBlankLines() throws Exception {
        String text = """
                ; PgBouncer userlist
                "plain" "secret"

                   "bob" "%s"   trailing words are ignored
                \t"scram" "%s"
                ;"commented" "out"
                """.formatted(PostgresVerifiers.BOB_MD5, PostgresVerifiers.PENCIL);
        Userlist list = Userlist.parse(text, "userlist.txt");

        assertEquals(List.of("plain", "bob", "scram"), List.copyOf(list.users()));
        assertEquals(Optional.of(new PlainSecret("secret")), list.find("plain"));
        assertEquals(Optional.of(new Md5Secret(PostgresVerifiers.BOB_MD5)), list.find("bob"));
        assertEquals(Optional.of(ScramSecret.parse(PostgresVerifiers.PENCIL)), list.find("scram"));
        assertEquals(Optional.empty(), list.find("commented"));
    }

    @Test
    void doubledQuoteStandsForOneQuote() throws Exception {
        Userlist list = Userlist.parse("\"we\"\"ird\" \"pa\"\"ss\"\"\"\n", "u");
        assertEquals(Optional.of(new PlainSecret("pa\"ss\"")), list.find("we\"ird"));
    }

    @Test
    void emptyPasswordAndWindowsLineEndingsAreAccepted() throws Exception {
        Userlist list = Userlist.parse("\"a\" \"\"\r\n\"b\" \"x\"\r\n", "u");
        assertEquals(Optional.of(new PlainSecret("")), list.find("a"));
        assertEquals(Optional.of(new PlainSecret("x")), list.find("b"));
    }

    @Test
    void lastEntryForAUserWins() throws Exception {
        Userlist list = Userlist.parse("\"a\" \"one\"\n\"a\" \"two\"\n", "u");
        assertEquals(Optional.of(new PlainSecret("two")), list.find("a"));
        assertEquals(1, list.users().size());
    }

    @Test
    void brokenVerifierIsTakenAsPlainTextLikePgBouncer() throws Exception {
        Userlist list = Userlist.parse("\"a\" \"SCRAM-SHA-256$4096:broken\"\n", "u");
        assertEquals(Optional.of(new PlainSecret("SCRAM-SHA-256$4096:broken")), list.find("a"));
    }

    @Test
    void malformedLinesNameFileAndLine() {
        assertMalformed("\"ok\" \"x\"\nbob \"secret\"\n", "users.txt:2:");
        assertMalformed("\n\n\"bob\" secret\n", "users.txt:3:");
        assertMalformed("\"bob\" \"secret\n", "users.txt:1:");
        assertMalformed("\"bob\n", "users.txt:1:");
        assertMalformed("\"bob\"\n", "users.txt:1:");
    }

    @Test
    void loadReadsAFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("userlist.txt");
        Files.writeString(file, "\"alice\" \"wonder\u00ADland\"\n\"x\"\n");
        UserlistException e = assertThrows(UserlistException.class, () -> Userlist.load(file));
        assertTrue(e.getMessage().startsWith(file + ":2:"), e.getMessage());

        Files.writeString(file, "\"alice\" \"wonder\u00ADland\"\n");
        assertEquals(Optional.of(new PlainSecret("wonder\u00ADland")), Userlist.load(file).find("alice"));
    }

    @Test
    void missingFileIsAUserlistException(@TempDir Path dir) {
        Path missing = dir.resolve("nope.txt");
        UserlistException e = assertThrows(UserlistException.class, () -> Userlist.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    private static void assertMalformed(String text, String expectedPrefix) {
        UserlistException e = assertThrows(UserlistException.class, () -> Userlist.parse(text, "users.txt"));
        assertTrue(e.getMessage().startsWith(expectedPrefix), e.getMessage());
    }
}
