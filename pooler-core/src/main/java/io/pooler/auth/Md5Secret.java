package io.pooler.auth;

import java.util.Objects;

/** An MD5 password hash as PostgreSQL stores it: {@code "md5"} followed by 32 lower-case hex digits. */
public record Md5Secret(String hash) implements Secret {

    static final int LENGTH = 35;

    public Md5Secret {
        Objects.requireNonNull(hash, "hash");
        if (!looksLikeMd5(hash)) {
            throw new IllegalArgumentException("an MD5 secret is \"md5\" followed by 32 lower-case hex digits");
        }
    }

    /** PostgreSQL's test in get_password_type: only lower-case hex digits count. */
    static boolean looksLikeMd5(String stored) {
        if (stored.length() != LENGTH || !stored.startsWith("md5")) {
            return false;
        }
        for (int i = 3; i < LENGTH; i++) {
            char c = stored.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** The 32 hex digits without the {@code md5} prefix: the key of the MD5 challenge. */
    String digestHex() {
        return hash.substring(3);
    }

    @Override
    public String toString() {
        return "Md5Secret[***]";
    }
}
