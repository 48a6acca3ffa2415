package io.pooler.auth;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA-256 with one {@link Mac} per thread, for the HMACs of every SCRAM login.
 *
 * <p>Written by hand where ongres' {@code ScramFunctions.hmac} does the same because that one asks the
 * JCA for a new {@code Mac} on each call, and finding its provider ({@code Mac.init} choosing among the
 * installed ones) cost three times the hash itself: about 5% of Pooler's CPU per SCRAM login when each
 * transaction logs in anew (README, "Benchmarks", scenario 3). Once a {@code Mac} has its provider,
 * {@code init} only sets the key. Logins run on the event loops, each on its own thread, so no {@code Mac}
 * is ever used by two threads.
 */
final class HmacSha256 {
    private static final String ALGORITHM = "HmacSHA256";
    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance(ALGORITHM);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has " + ALGORITHM, e);
        }
    });

    private HmacSha256() {
    }

    static byte[] hmac(byte[] key, byte[] message) {
        Mac mac = MAC.get();
        try {
            mac.init(new SecretKeySpec(key, ALGORITHM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC takes any key of at least one byte", e);
        }
        return mac.doFinal(message); // doFinal also resets the Mac for its next use
    }
}
