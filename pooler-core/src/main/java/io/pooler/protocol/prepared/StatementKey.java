package io.pooler.protocol.prepared;

import java.util.Arrays;

/**
 * What makes two named prepared statements the same on a server: the bytes of a Parse message after
 * the statement name (query text, parameter count and types). Clients' own names do not matter.
 */
public final class StatementKey {
    private final byte[] definition;
    private final int hash;

    public StatementKey(byte[] definition) {
        this.definition = definition;
        this.hash = Arrays.hashCode(definition);
    }

    /** The query text, parameter count and types, as they follow the name in a Parse message. */
    public byte[] definition() {
        return definition;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StatementKey other && hash == other.hash && Arrays.equals(definition, other.definition);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
