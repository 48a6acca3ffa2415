package io.pooler.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The per-thread Mac gives RFC 4231's results, also when one thread uses it with one key after another;
 * the per-thread digest gives FIPS 180-2's.
 */
class Sha256Test {
    @Test
    void rfc4231TestCase2() {
        assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", hex("Jefe", "what do ya want for nothing?"));
    }

    @Test
    void eachCallUsesOnlyItsOwnKeyAndMessage() {
        String first = hex("Jefe", "what do ya want for nothing?");
        String other = hex("another key", "another message");
        assertEquals(first, hex("Jefe", "what do ya want for nothing?"), "nothing of the earlier call is left in the Mac");
        assertEquals(other, hex("another key", "another message"));
    }

    @Test
    void fips180AbcAndTheDigestIsResetBetweenCalls() {
        String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assertEquals(abc, HexFormat.of().formatHex(Sha256.hash("abc".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(abc, HexFormat.of().formatHex(Sha256.hash("abc".getBytes(StandardCharsets.US_ASCII))));
    }

    private static String hex(String key, String message) {
        return HexFormat.of().formatHex(Sha256.hmac(key.getBytes(StandardCharsets.US_ASCII),
                message.getBytes(StandardCharsets.US_ASCII)));
    }
}
