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
    /** A client's SQL DEALLOCATE or PREPARE touched a name here: {@code prepared} may no longer be what the server holds. */
    private boolean inDoubt;

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

    /** DISCARD ALL or DEALLOCATE ALL ran on the server: it holds no statement, so nothing is in doubt either. */
    public synchronized void clear() {
        prepared.clear();
        inDoubt = false;
    }

    /**
     * A client's SQL {@code DEALLOCATE name} ran on the server, or the server refused the pooler's own Parse
     * because a client's SQL PREPARE took the name first. The name may have been one of the pooler's (any
     * client can read them in pg_prepared_statements), and the client may prepare its own statement under
     * it next: what this cache says can no longer be trusted, until the server runs DISCARD ALL or
     * DEALLOCATE ALL ({@link #clear}). Until then the server serves nobody else (ServerRelease).
     */
    public synchronized void markInDoubt() {
        inDoubt = true;
    }

    /** True from {@link #markInDoubt} until the next {@link #clear}. */
    public synchronized boolean inDoubt() {
        return inDoubt;
    }

    public synchronized int size() {
        return prepared.size();
    }
}
