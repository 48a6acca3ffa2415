package io.pooler.server.client;

import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;

import java.util.Locale;

/**
 * The {@code replication} startup parameter (PgBouncer's {@code ReplicationType}): {@code database} asks
 * for a logical replication connection, a true boolean ({@code true}, {@code on}, {@code yes}, {@code 1})
 * for a physical one, a false one for none. SHOW CLIENTS, SERVERS and SOCKETS show {@link #label()}.
 */
public enum ReplicationMode {
    NONE("none", "no"),
    LOGICAL("logical", "database"),
    PHYSICAL("physical", "yes");

    private final String label;
    private final String startupValue;

    ReplicationMode(String label, String startupValue) {
        this.label = label;
        this.startupValue = startupValue;
    }

    /** SHOW CLIENTS/SERVERS/SOCKETS' {@code replication} column. */
    public String label() {
        return label;
    }

    /** What the server's StartupMessage says, PgBouncer's spelling. */
    public String startupValue() {
        return startupValue;
    }

    /**
     * PostgreSQL's reading of the value: {@code database}, or a boolean with its unique prefixes. Anything
     * else is refused with PostgreSQL's own error (PgBouncer would treat it as no replication, and the
     * client would get a normal session it did not ask for).
     */
    static ReplicationMode parse(String value) {
        if (value.equals("database")) {
            return LOGICAL;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!v.isEmpty()) {
            if ("true".startsWith(v) || "yes".startsWith(v) || v.equals("on") || v.equals("1")) {
                return PHYSICAL;
            }
            if ("false".startsWith(v) || "no".startsWith(v) || v.equals("off") || v.equals("0") || v.equals("of")) {
                return NONE;
            }
        }
        throw new ProtocolException(SqlState.INVALID_PARAMETER_VALUE,
                "invalid value for parameter \"replication\": \"" + value + "\"");
    }
}
