package io.pooler.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ScramSecretTest {

    @Test
    void parseThenFormatGivesBackPostgresText() {
        ScramSecret secret = ScramSecret.parse(PostgresVerifiers.PENCIL);
        assertEquals(4096, secret.iterations());
        assertArrayEquals(Base64.getDecoder().decode("pqBpGOsBkQyJRZ810rjdDg=="), secret.salt());
        assertEquals(32, secret.storedKey().length);
        assertEquals(32, secret.serverKey().length);
        assertEquals(PostgresVerifiers.PENCIL, secret.format());
    }

    /** Each password recomputed with PostgreSQL's salt and iteration count must give PostgreSQL's verifier. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "pencil        | PENCIL",
        "I\u00ADX      | SOFT_HYPHEN",
        "\u2168        | ROMAN_NINE",
        "a\u00A0b      | NO_BREAK_SPACE",
        "\u06271       | BIDI_FAILURE",
        "x\u0221       | UNASSIGNED",
    })
    void fromPasswordMatchesPostgres(String password, String verifierName) throws Exception {
        String verifier = (String) PostgresVerifiers.class.getDeclaredField(verifierName).get(null);
        ScramSecret fromPostgres = ScramSecret.parse(verifier);
        ScramSecret ours = ScramSecret.fromPassword(password, fromPostgres.salt(), fromPostgres.iterations());
        assertEquals(verifier, ours.format());
    }

    @Test
    void controlCharacterPasswordUsesRawBytesAsPostgresDoes() {
        // Kept apart from the table above: a CSV cell would trim or mangle the tab.
        ScramSecret fromPostgres = ScramSecret.parse(PostgresVerifiers.ASCII_CONTROL);
        ScramSecret ours = ScramSecret.fromPassword("a\tb", fromPostgres.salt(), fromPostgres.iterations());
        assertEquals(PostgresVerifiers.ASCII_CONTROL, ours.format());
    }

    @Test
    void saslprepMakesEquivalentPasswordsEqual() {
        byte[] salt = {1, 2, 3, 4, 5, 6, 7, 8};
        ScramSecret ix = ScramSecret.fromPassword("IX", salt, 4096);
        assertEquals(ix, ScramSecret.fromPassword("I\u00ADX", salt, 4096));
        assertEquals(ix, ScramSecret.fromPassword("\u2168", salt, 4096));
        assertNotEquals(ix, ScramSecret.fromPassword("ix", salt, 4096));
    }

    @Test
    void passwordThatNormalizesToNothingHasNoVerifier() {
        byte[] salt = {1, 2, 3, 4};
        assertThrows(IllegalArgumentException.class, () -> ScramSecret.fromPassword("", salt, 4096));
        assertThrows(IllegalArgumentException.class, () -> ScramSecret.fromPassword("\u00AD", salt, 4096));
        assertThrows(IllegalArgumentException.class, () -> ScramSecret.fromPassword("pencil", salt, 0));
        assertThrows(IllegalArgumentException.class, () -> ScramSecret.fromPassword("pencil", new byte[0], 4096));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SCRAM-SHA-256$4096:c2FsdA==",                                      // no keys
        "SCRAM-SHA-1$4096:c2FsdA==$AAAA:AAAA",                              // other mechanism
        "SCRAM-SHA-256$abc:c2FsdA==$x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=:x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=",
        "SCRAM-SHA-256$0:c2FsdA==$x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=:x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=",
        "SCRAM-SHA-256$-1:c2FsdA==$x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=:x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=",
        "SCRAM-SHA-256$99999999999:c2FsdA==$x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=:x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=",
        "SCRAM-SHA-256$4096:$x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=:x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=",
        "SCRAM-SHA-256$4096:c2FsdA==$c2hvcnQ=:x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=",   // 5-byte StoredKey
        "SCRAM-SHA-256$4096:c2FsdA==$x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=:not*base64",
        "SCRAM-SHA-256$4096:c2FsdA==$x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=:x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=$x",
    })
    void malformedVerifiersAreRefusedAndReadAsPlainText(String text) {
        assertThrows(IllegalArgumentException.class, () -> ScramSecret.parse(text));
        assertInstanceOf(PlainSecret.class, Secrets.parse(text));
    }

    @Test
    void secretsParseTellsTheThreeKindsApart() {
        assertInstanceOf(ScramSecret.class, Secrets.parse(PostgresVerifiers.PENCIL));
        assertEquals(new Md5Secret(PostgresVerifiers.BOB_MD5), Secrets.parse(PostgresVerifiers.BOB_MD5));
        assertEquals(new PlainSecret("secret"), Secrets.parse("secret"));
        // PostgreSQL counts only lower-case hex as MD5, and exactly 32 digits.
        assertEquals(new PlainSecret("md521F3163F8F86FA10BDEFBFBD502A8F06"),
                Secrets.parse("md521F3163F8F86FA10BDEFBFBD502A8F06"));
        assertEquals(new PlainSecret("md521f3163f8f86fa10bdefbfbd502a8f0"),
                Secrets.parse("md521f3163f8f86fa10bdefbfbd502a8f0"));
        assertEquals(new PlainSecret(""), Secrets.parse(""));
    }

    @Test
    void instancesCannotBeChangedThroughTheirArrays() {
        byte[] salt = {9, 9, 9};
        ScramSecret secret = ScramSecret.fromPassword("pencil", salt, 4096);
        salt[0] = 0;
        secret.storedKey()[0] ^= 1;
        assertArrayEquals(new byte[] {9, 9, 9}, secret.salt());
        assertEquals(secret, ScramSecret.parse(secret.format()));
    }

    @Test
    void toStringHidesKeys() {
        ScramSecret secret = ScramSecret.parse(PostgresVerifiers.PENCIL);
        assertFalse(secret.toString().contains("x9PRxTk0"));
        assertFalse(new PlainSecret("hunter2").toString().contains("hunter2"));
    }
}
