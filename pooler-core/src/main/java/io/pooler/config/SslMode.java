package io.pooler.config;

import java.util.Locale;

/**
 * {@code client_tls_sslmode} and {@code server_tls_sslmode}, in increasing strictness. On the client side
 * (clients connecting to Pooler) {@link #ALLOW} and {@link #PREFER} accept TLS when asked for,
 * {@link #REQUIRE} refuses plain TCP, and the two verify modes also require a client certificate signed by
 * {@code client_tls_ca_file}. On the server side (Pooler connecting to PostgreSQL) they mean what libpq's
 * sslmode means, except that {@code allow} asks for TLS first, as PgBouncer does.
 */
public enum SslMode {
    DISABLE("disable"),
    ALLOW("allow"),
    PREFER("prefer"),
    REQUIRE("require"),
    VERIFY_CA("verify-ca"),
    VERIFY_FULL("verify-full");

    private final String configName;

    SslMode(String configName) {
        this.configName = configName;
    }

    /**
     * Parses a configuration value, ignoring case.
     *
     * @throws IllegalArgumentException if the value names no mode
     */
    public static SslMode parse(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        for (SslMode mode : values()) {
            if (mode.configName.equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown sslmode \"" + value + "\"");
    }

    /** The name used in the configuration file, e.g. {@code verify-full}. */
    public String configName() {
        return configName;
    }

    /** True for this mode and the stricter ones. */
    public boolean atLeast(SslMode other) {
        return compareTo(other) >= 0;
    }

    /** True for the modes that check the peer's certificate. */
    public boolean verifiesPeer() {
        return atLeast(VERIFY_CA);
    }
}
