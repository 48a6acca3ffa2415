package io.pooler.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SHA-256 and HMAC-SHA-256 with one {@link MessageDigest} and one {@link Mac} per thread, for the hashes
 * of every SCRAM login.
 *
 * <p>Written by hand where ongres' {@code ScramFunctions.hmac} and {@code storedKey} do the same because
 * those ask the JCA for a new {@code Mac} or {@code MessageDigest} on each call, and finding its provider
 * ({@code Mac.init} choosing among the installed ones) cost three times the hash itself: about 5% of
 * Pooler's CPU per SCRAM login when each transaction logs in anew (README, "Benchmarks", scenario 3).
 * Once a {@code Mac} has its provider, {@code init} only sets the key. Logins run on the event loops,
 * each on its own thread, so no instance is ever used by two threads.
 */
final class Sha256 {
    private static final String HMAC = "HmacSHA256";
    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance(HMAC);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has " + HMAC, e);
        }
    });
    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    });

    private Sha256() {
    }

    static byte[] hmac(byte[] key, byte[] message) {
        Mac mac = MAC.get();
        try {
            mac.init(new SecretKeySpec(key, HMAC));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC takes any key of at least one byte", e);
        }
        return mac.doFinal(message); // doFinal also resets the Mac for its next use
    }

    /** SHA-256 of {@code message}: SCRAM's H(), which turns a ClientKey into its StoredKey. */
    static byte[] hash(byte[] message) {
        return DIGEST.get().digest(message); // digest also resets it
    }
}
