package io.pooler.protocol.prepared;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Process-wide numbering of distinct prepared statements, so every server knows a statement by the
 * same name ({@code POOLER_<n>}) whichever client prepared it first, as PgBouncer names its own
 * {@code PGBOUNCER_<n>}.
 */
public final class StatementRegistry {
    public static final String NAME_PREFIX = "POOLER_";

    private final ConcurrentHashMap<StatementKey, PreparedStatement> byKey = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    public PreparedStatement statementFor(byte[] definition) {
        StatementKey key = new StatementKey(definition);
        PreparedStatement known = byKey.get(key);
        return known != null ? known : byKey.computeIfAbsent(key,
                k -> new PreparedStatement(ids.incrementAndGet(), k));
    }

    /** The statement with this definition if any client has used it, else null; creates nothing. */
    public PreparedStatement knownStatement(byte[] definition) {
        return byKey.get(new StatementKey(definition));
    }

    public int size() {
        return byKey.size();
    }

    /** Bytes of the statements' definitions (query text, parameter types) held; for SHOW MEM. */
    public long definitionBytes() {
        long bytes = 0;
        for (StatementKey key : byKey.keySet()) {
            bytes += key.definition().length;
        }
        return bytes;
    }
}
