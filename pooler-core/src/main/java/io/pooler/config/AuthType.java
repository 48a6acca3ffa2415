package io.pooler.config;

import java.util.Locale;

/**
 * How clients authenticate, as PgBouncer's {@code auth_type}. PgBouncer's {@code ldap} is not listed: Pooler
 * has no LDAP client, and refusing the value is safer than silently authenticating some other way.
 */
public enum AuthType {
    /** No password check; the user must still exist in {@code auth_file}. */
    TRUST("trust"),
    /** No check at all and the user name is ignored; databases must force a user. */
    ANY("any"),
    /** Clear-text password over the wire. Deprecated in PgBouncer. */
    PLAIN("plain"),
    /** MD5 password check, upgraded to SCRAM when the stored secret is a SCRAM verifier. PgBouncer's default. */
    MD5("md5"),
    /** SCRAM-SHA-256 password check. */
    SCRAM_SHA_256("scram-sha-256"),
    /** TLS client certificate; the user name is the certificate's CommonName. */
    CERT("cert"),
    /** The method comes from {@code auth_hba_file}. */
    HBA("hba"),
    /** PAM; {@code auth_file} is not used. */
    PAM("pam");

    private final String configName;

    AuthType(String configName) {
        this.configName = configName;
    }

    /**
     * Parses a configuration value, ignoring case as PgBouncer's lookup does.
     *
     * @throws IllegalArgumentException if the value names no supported method
     */
    public static AuthType parse(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        for (AuthType type : values()) {
            if (type.configName.equals(wanted)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown auth type \"" + value + "\"");
    }

    /** The name used in the configuration file, e.g. {@code scram-sha-256}. */
    public String configName() {
        return configName;
    }
}
