package io.pooler.auth;

import java.security.MessageDigest;

/**
 * Checks a clear-text password (auth_type {@code plain}, or PostgreSQL's {@code password} method)
 * against any kind of stored secret. Comparisons are constant-time.
 */
public final class PlainPasswordCheck {

    private PlainPasswordCheck() {
    }

    /**
     * True when {@code password} matches: equal to a plain secret, hashing to an MD5 secret with
     * {@code user}, or giving the same keys as a SCRAM verifier under its own salt and iteration
     * count (which costs one full PBKDF2 run). Empty passwords never match, as in PgBouncer.
     */
    public static boolean verify(Secret stored, String user, String password) {
        if (password.isEmpty()) {
            return false;
        }
        if (stored instanceof PlainSecret plain) {
            return !plain.password().isEmpty()
                    && MessageDigest.isEqual(Md5Auth.utf8(plain.password()), Md5Auth.utf8(password));
        }
        if (stored instanceof Md5Secret md5) {
            return MessageDigest.isEqual(Md5Auth.utf8(md5.hash()), Md5Auth.utf8(Md5Auth.encode(user, password)));
        }
        ScramSecret scram = (ScramSecret) stored;
        ScramSecret computed;
        try {
            computed = ScramSecret.fromPassword(password, scram.salt(), scram.iterations());
        } catch (IllegalArgumentException normalizesToNothing) {
            return false;
        }
        // Both keys, with a non-short-circuit &: PostgreSQL compares ServerKey only, checking
        // StoredKey as well costs nothing and refuses a verifier whose halves do not belong together.
        return MessageDigest.isEqual(computed.storedKeyUnsafe(), scram.storedKeyUnsafe())
                & MessageDigest.isEqual(computed.serverKeyUnsafe(), scram.serverKeyUnsafe());
    }
}
