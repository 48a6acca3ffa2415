package io.pooler.config;

import java.util.Locale;

/**
 * {@code load_balance_hosts} of a {@code [databases]} entry (PgBouncer 1.24+): which host of a
 * comma-separated {@code host=} list a new server connection tries first.
 */
public enum LoadBalanceHosts {
    /** Stay on the host that worked until a connection to it fails, then move to the next. */
    DISABLE("disable"),
    /** Each new connection starts at the next host of the list (the default). */
    ROUND_ROBIN("round-robin");

    private final String configName;

    LoadBalanceHosts(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    static LoadBalanceHosts parse(String value) {
        for (LoadBalanceHosts mode : values()) {
            if (mode.configName.equals(value.toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown load_balance_hosts: " + value);
    }
}
