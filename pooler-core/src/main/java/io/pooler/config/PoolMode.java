package io.pooler.config;

import java.util.Locale;

/** When a server connection goes back to the pool, as PgBouncer's {@code pool_mode}. */
public enum PoolMode {
    /** Released when the client disconnects. PgBouncer's default. */
    SESSION("session"),
    /** Released when a transaction ends. */
    TRANSACTION("transaction"),
    /** Released after each query; multi-statement transactions are refused. */
    STATEMENT("statement");

    private final String configName;

    PoolMode(String configName) {
        this.configName = configName;
    }

    /**
     * Parses a configuration value, ignoring case as PgBouncer's lookup does.
     *
     * @throws IllegalArgumentException if the value names no pool mode
     */
    public static PoolMode parse(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        for (PoolMode mode : values()) {
            if (mode.configName.equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown pool mode \"" + value + "\"");
    }

    /** The name used in the configuration file and in SHOW output, e.g. {@code session}. */
    public String configName() {
        return configName;
    }
}
