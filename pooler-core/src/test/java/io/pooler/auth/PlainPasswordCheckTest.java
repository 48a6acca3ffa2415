package io.pooler.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PlainPasswordCheckTest {

    @Test
    void plainSecret() {
        assertTrue(PlainPasswordCheck.verify(new PlainSecret("secret"), "bob", "secret"));
        assertFalse(PlainPasswordCheck.verify(new PlainSecret("secret"), "bob", "secret "));
        assertFalse(PlainPasswordCheck.verify(new PlainSecret("secret"), "bob", "secre"));
    }

    @Test
    void md5SecretHashesWithTheUserName() {
        Md5Secret bob = new Md5Secret(PostgresVerifiers.BOB_MD5);
        assertTrue(PlainPasswordCheck.verify(bob, "bob", "secret"));
        assertFalse(PlainPasswordCheck.verify(bob, "alice", "secret"));
        assertFalse(PlainPasswordCheck.verify(bob, "bob", "Secret"));
    }

    @Test
    void scramSecretIsCheckedWithItsOwnSaltAndIterations() {
        assertTrue(PlainPasswordCheck.verify(ScramSecret.parse(PostgresVerifiers.PENCIL), "anyone", "pencil"));
        assertFalse(PlainPasswordCheck.verify(ScramSecret.parse(PostgresVerifiers.PENCIL), "anyone", "pencil2"));
    }

    @Test
    void scramSecretAppliesSaslprepToTheOfferedPassword() {
        ScramSecret softHyphen = ScramSecret.parse(PostgresVerifiers.SOFT_HYPHEN);
        assertTrue(PlainPasswordCheck.verify(softHyphen, "u", "I\u00ADX"));
        assertTrue(PlainPasswordCheck.verify(softHyphen, "u", "IX"));
        assertTrue(PlainPasswordCheck.verify(softHyphen, "u", "\u2168"));
        assertFalse(PlainPasswordCheck.verify(softHyphen, "u", "\u00AD"), "normalizes to nothing");
    }

    @Test
    void emptyPasswordsNeverMatch() {
        assertFalse(PlainPasswordCheck.verify(new PlainSecret(""), "bob", ""));
        assertFalse(PlainPasswordCheck.verify(new PlainSecret(""), "bob", "x"));
        assertFalse(PlainPasswordCheck.verify(new Md5Secret(Md5Auth.encode("bob", "")), "bob", ""));
    }
}
