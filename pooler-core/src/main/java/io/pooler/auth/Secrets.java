package io.pooler.auth;

/** Tells the three kinds of stored secret apart, by PostgreSQL's and PgBouncer's rules. */
public final class Secrets {

    private Secrets() {
    }

    /**
     * {@code "md5"} plus 32 lower-case hex digits is an {@link Md5Secret}; a well-formed
     * {@code SCRAM-SHA-256$...} verifier is a {@link ScramSecret}; anything else, including a
     * malformed verifier, is a {@link PlainSecret}. That last rule is PostgreSQL's (get_password_type)
     * and PgBouncer's: a broken verifier silently becomes a password nobody will type, so
     * {@link #looksLikeBrokenScram(String)} lets the caller warn about it.
     */
    public static Secret parse(String stored) {
        if (Md5Secret.looksLikeMd5(stored)) {
            return new Md5Secret(stored);
        }
        if (stored.startsWith(ScramSecret.PREFIX)) {
            try {
                return ScramSecret.parse(stored);
            } catch (IllegalArgumentException notAVerifier) {
                return new PlainSecret(stored);
            }
        }
        return new PlainSecret(stored);
    }

    /** True when {@code stored} starts like a SCRAM verifier but {@link #parse} takes it as plain text. */
    static boolean looksLikeBrokenScram(String stored) {
        return stored.startsWith(ScramSecret.PREFIX) && parse(stored) instanceof PlainSecret;
    }
}
