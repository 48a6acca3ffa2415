package io.pooler.protocol.prepared;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Process-wide numbering of distinct prepared statements, so every server knows a statement by the
 * same name ({@code POOLER_<n>}) whichever client prepared it first, as PgBouncer names its own
 * {@code PGBOUNCER_<n>}.
 *
 * <p>NOTE: the registry holds its statements weakly. A statement lives while a client holds a name for
 * it or a server has it prepared (both hold it strongly), and is forgotten after; otherwise a client
 * that parses and closes ever new query texts would grow this map without bound (issue 9). One that is
 * forgotten and parsed again gets a new number, which no server can still have: a server that had the
 * old one would have kept it alive.
 */
public final class StatementRegistry {
    public static final String NAME_PREFIX = "POOLER_";

    private final ConcurrentHashMap<StatementKey, Entry> byKey = new ConcurrentHashMap<>();
    private final ReferenceQueue<PreparedStatement> collected = new ReferenceQueue<>();
    private final AtomicLong ids = new AtomicLong();

    /** A weak reference to a statement that knows its key, to remove the entry once it is collected. */
    private static final class Entry extends WeakReference<PreparedStatement> {
        final StatementKey key;

        Entry(PreparedStatement statement, ReferenceQueue<PreparedStatement> queue) {
            super(statement, queue);
            this.key = statement.key();
        }
    }

    public PreparedStatement statementFor(byte[] definition) {
        expungeCollected();
        StatementKey key = new StatementKey(definition);
        while (true) {
            Entry entry = byKey.get(key);
            PreparedStatement known = entry == null ? null : entry.get();
            if (known != null) {
                return known;
            }
            PreparedStatement created = new PreparedStatement(ids.incrementAndGet(), key);
            Entry fresh = new Entry(created, collected);
            if (entry == null ? byKey.putIfAbsent(key, fresh) == null : byKey.replace(key, entry, fresh)) {
                return created;
            }
        }
    }

    /** The statement with this definition if any client or server still uses it, else null; creates nothing. */
    public PreparedStatement knownStatement(byte[] definition) {
        Entry entry = byKey.get(new StatementKey(definition));
        return entry == null ? null : entry.get();
    }

    public int size() {
        expungeCollected();
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

    private void expungeCollected() {
        for (Reference<? extends PreparedStatement> ref; (ref = collected.poll()) != null; ) {
            Entry entry = (Entry) ref;
            byKey.remove(entry.key, entry);
        }
    }
}
