package io.pooler.protocol.prepared;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The statements prepared on one server connection, least recently used first, at most
 * {@code max_prepared_statements} of them.
 *
 * <p>Threads: written by the linked client's loop (it prepares) and by the server's loop (a failed
 * Parse, DISCARD ALL); both are brief, so the methods are synchronized.
 */
public final class ServerStatements {
    private final LinkedHashMap<Long, PreparedStatement> prepared = new LinkedHashMap<>(16, 0.75f, true);

    public synchronized boolean contains(PreparedStatement statement) {
        return prepared.get(statement.id()) != null; // get() also marks it recently used
    }

    /**
     * Records that the statement is being prepared; returns the least recently used statements to close on
     * the server so the cache holds at most {@code capacity} (several when max_prepared_statements was
     * lowered by a reload, as PgBouncer evicts down to it on the next insert), else an empty list.
     */
    public synchronized List<PreparedStatement> add(PreparedStatement statement, int capacity) {
        prepared.put(statement.id(), statement);
        if (prepared.size() <= capacity) {
            return List.of();
        }
        List<PreparedStatement> evicted = new ArrayList<>(1);
        Iterator<Map.Entry<Long, PreparedStatement>> eldest = prepared.entrySet().iterator();
        while (prepared.size() > Math.max(1, capacity)) {
            evicted.add(eldest.next().getValue());
            eldest.remove();
        }
        return evicted;
    }

    /** Its Parse failed, so the server does not have it. */
    public synchronized void remove(long id) {
        prepared.remove(id);
    }

    /** DISCARD ALL or DEALLOCATE ALL ran on the server. */
    public synchronized void clear() {
        prepared.clear();
    }

    public synchronized int size() {
        return prepared.size();
    }
}
