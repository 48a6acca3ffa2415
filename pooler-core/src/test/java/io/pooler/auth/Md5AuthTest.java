package io.pooler.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Md5AuthTest {

    private static final byte[] SALT = {0x01, 0x02, 0x03, 0x04};
    /**
     * md5(hex(md5("secretbob")) + 01020304), computed independently with Python's hashlib:
     * {@code "md5" + md5(b"21f3163f8f86fa10bdefbfbd502a8f06" + bytes([1, 2, 3, 4])).hexdigest()}.
     */
    private static final String BOB_RESPONSE = "md5f21dfe33ff3a9e03dbc3e008251fe5cc";

    @Test
    void encodeMatchesPostgres() {
        assertEquals(PostgresVerifiers.BOB_MD5, Md5Auth.encode("bob", "secret"));
    }

    @Test
    void challengeResponseMatchesAnIndependentComputation() {
        assertEquals(BOB_RESPONSE, Md5Auth.challengeResponse(new Md5Secret(PostgresVerifiers.BOB_MD5), SALT));
        assertEquals("md5f367206c41f91baa6279335f27350e9d", Md5Auth.challengeResponse(
                new Md5Secret(PostgresVerifiers.BOB_MD5), new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}));
    }

    @Test
    void verifyAcceptsTheRightAnswerForPlainAndMd5Secrets() {
        assertTrue(Md5Auth.verify(new PlainSecret("secret"), "bob", SALT, BOB_RESPONSE));
        assertTrue(Md5Auth.verify(new Md5Secret(PostgresVerifiers.BOB_MD5), "bob", SALT, BOB_RESPONSE));
    }

    @Test
    void verifyRefusesWrongAnswersAndWhatCannotAnswer() {
        assertFalse(Md5Auth.verify(new PlainSecret("secret"), "alice", SALT, BOB_RESPONSE), "user is part of the hash");
        assertFalse(Md5Auth.verify(new PlainSecret("secret"), "bob", new byte[] {1, 2, 3, 5}, BOB_RESPONSE));
        assertFalse(Md5Auth.verify(new PlainSecret("Secret"), "bob", SALT, BOB_RESPONSE));
        assertFalse(Md5Auth.verify(new PlainSecret("secret"), "bob", SALT, BOB_RESPONSE.substring(0, 34)));
        assertFalse(Md5Auth.verify(new PlainSecret(""), "bob", SALT, Md5Auth.challengeResponse(
                new Md5Secret(Md5Auth.encode("bob", "")), SALT)), "empty passwords never match");
        assertFalse(Md5Auth.verify(ScramSecret.parse(PostgresVerifiers.PENCIL), "bob", SALT, BOB_RESPONSE));
    }

    @Test
    void saltMustBeFourBytes() {
        assertThrows(IllegalArgumentException.class,
                () -> Md5Auth.challengeResponse(new Md5Secret(PostgresVerifiers.BOB_MD5), new byte[3]));
    }

    @Test
    void md5SecretRefusesWhatIsNotAnMd5Hash() {
        assertThrows(IllegalArgumentException.class, () -> new Md5Secret("secret"));
        assertThrows(IllegalArgumentException.class, () -> new Md5Secret("md5" + "G".repeat(32)));
    }
}
