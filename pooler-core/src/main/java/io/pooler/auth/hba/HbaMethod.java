package io.pooler.auth.hba;

import java.util.Optional;

/**
 * The METHOD column: what a matching connection must do to log in. These are the methods PgBouncer
 * accepts in its HBA file; {@code any} and {@code pam} only exist as a global {@code auth_type}.
 */
public enum HbaMethod {
    /** Logged in without a password; the user must still be known, as under {@code auth_type = trust}. */
    TRUST("trust"),
    /** Refused with PostgreSQL's "pg_hba.conf rejects connection" message. */
    REJECT("reject"),
    /** MD5 password check, SCRAM when the stored secret is a SCRAM verifier (as {@code auth_type = md5}). */
    MD5("md5"),
    /** Clear-text password ({@code auth_type = plain}). */
    PASSWORD("password"),
    SCRAM_SHA_256("scram-sha-256"),
    /** TLS client certificate whose CommonName is the user name; only on {@code hostssl} lines. */
    CERT("cert"),
    /** The Unix user at the other end of a Unix socket must be the requested user; only on {@code local} lines. */
    PEER("peer");

    private final String configName;

    HbaMethod(String configName) {
        this.configName = configName;
    }

    /** The method named {@code word} as written in the file (case matters, as in PostgreSQL). */
    static Optional<HbaMethod> byName(String word) {
        for (HbaMethod method : values()) {
            if (method.configName.equals(word)) {
                return Optional.of(method);
            }
        }
        return Optional.empty();
    }

    /** The name used in the file, e.g. {@code scram-sha-256}. */
    public String configName() {
        return configName;
    }
}
