package io.pooler.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Verifiers of plain-text passwords are derived when a userlist is loaded, never again at login. */
class PlainScramVerifiersTest {
    private static final byte[] PROCESS_SECRET = "verifiers test secret".getBytes(StandardCharsets.UTF_8);

    @Test
    void warmDerivesEachPlainTextUserOnceAndLoginsReuseIt() throws Exception {
        Userlist list = Userlist.parse(String.join("\n",
                "\"warm_plain\" \"warm-secret\"",
                "\"warm_md5\" \"md50123456789abcdef0123456789abcdef\"",
                "\"warm_empty\" \"\""), "test");
        PlainScramVerifiers verifiers = PlainScramVerifiers.shared();
        verifiers.warm(list, PROCESS_SECRET, 4096);
        byte[] salt = ScramServerExchange.userSalt("warm_plain", PROCESS_SECRET);
        Optional<ScramSecret> warmed = verifiers.verifier("warm-secret", salt, 4096);
        assertTrue(warmed.isPresent());
        assertSame(warmed.get(), verifiers.verifier("warm-secret", salt, 4096).get(), "kept, not derived again");
        assertSame(warmed.get(), ScramServerExchange.forPlainPassword("warm-secret", "warm_plain", PROCESS_SECRET, 4096)
                .secret(), "a login uses the warmed verifier");
        assertEquals(ScramSecret.fromPassword("warm-secret", salt, 4096), warmed.get());
        assertEquals(Optional.empty(), verifiers.verifier("", ScramServerExchange.userSalt("warm_empty",
                PROCESS_SECRET), 4096), "an empty password has no verifier");
    }

    @Test
    void anotherIterationCountIsAnotherVerifier() {
        byte[] salt = ScramServerExchange.userSalt("iter", PROCESS_SECRET);
        PlainScramVerifiers verifiers = new PlainScramVerifiers(10);
        ScramSecret low = verifiers.verifier("pw", salt, 1000).orElseThrow();
        ScramSecret high = verifiers.verifier("pw", salt, 2000).orElseThrow();
        assertEquals(1000, low.iterations());
        assertEquals(2000, high.iterations());
    }

    @Test
    void theCacheIsBounded() {
        byte[] salt = ScramServerExchange.userSalt("bounded", PROCESS_SECRET);
        PlainScramVerifiers verifiers = new PlainScramVerifiers(3);
        ScramSecret first = verifiers.verifier("pw0", salt, 1).orElseThrow();
        for (int i = 1; i < 10; i++) {
            verifiers.verifier("pw" + i, salt, 1);
        }
        assertEquals(3, verifiers.size());
        assertNotSame(first, verifiers.verifier("pw0", salt, 1).orElseThrow(), "dropped, so derived again");
    }
}
