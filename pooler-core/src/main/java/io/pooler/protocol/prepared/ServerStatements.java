package io.pooler.protocol.prepared;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;

/**
 * The statements prepared on one server connection, least recently used first, at most
 * {@code max_prepared_statements} of them, and their text within a budget of bytes shared by the
 * caches of all servers.
 *
 * <p>Why the bytes too: the count alone bounded nothing a client could not outgrow. Each entry keeps the
 * statement's whole definition, up to a client's 16 MiB (StatementBudget), and a client's names are
 * given back when it closes them, so a client that parsed, ran and closed ever new large statements
 * filled every server's cache with them, max_prepared_statements times pool_size times its text, kept
 * after it left (ServerStatementBudgetTest). Now a statement the budget cannot take makes the adding
 * server drop its own least recently used ones first (their Close goes to PostgreSQL, as for the
 * count); a statement that does not fit even alone is kept past the budget, and the server is marked
 * {@link #overBudget}: it is reset (server_reset_query, whose DISCARD ALL empties it) before another client
 * gets it (ServerRelease). So the caches of all servers keep at most the budget, plus one statement
 * for each server that is between such a Parse and its release. Other clients lose nothing but
 * cached statements, which are prepared again when next used.
 *
 * <p>A statement is counted once however many caches hold it (as one copy of its text is kept), from
 * the first cache that adds it to the last that lets it go ({@link PreparedStatement#serverCopyAdded}).
 * The statements every server shares, an application's, cost their size once; the budget is reached
 * only by many distinct texts.
 *
 * <p>Threads: written by the linked client's loop (it prepares) and by the server's loop (a failed
 * Parse, DISCARD ALL); both are brief, so the methods are synchronized. The budget is shared by all
 * loops; its counter is atomic.
 */
public final class ServerStatements {
    /**
     * Overrides the bound for all servers' caches, in bytes; by default an eighth of the heap (32 MB under
     * -Xmx256m): with the quarters of clients' statements, waiting messages and notifications, the bounds
     * of all leave an eighth of the heap for the rest. An application's distinct statements, which every
     * server shares, are a few MB.
     */
    public static final String BUDGET_PROPERTY = "pooler.prepared.maxServerBytes";

    /** A statement as this server holds it: prepared under which of its plan numbers ({@link PreparedStatement#planEpoch}). */
    record Copy(PreparedStatement statement, int planEpoch) {
    }

    private final LinkedHashMap<Long, Copy> prepared = new LinkedHashMap<>(16, 0.75f, true);
    private final ByteBudget budget;
    /** {@code prepared} may no longer be what the server holds (see {@link #markInDoubt}). */
    private boolean inDoubt;
    /** A statement was kept past the budget: the cache must be emptied before another client. */
    private boolean overBudget;
    /** The connection ended: its statements were given back, and nothing is kept any more. */
    private boolean closed;

    /** A cache with no bound on bytes, for tests of what does not depend on it. */
    public ServerStatements() {
        this(new ByteBudget(Long.MAX_VALUE));
    }

    public ServerStatements(ByteBudget budget) {
        this.budget = budget;
    }

    /** The budget the system property sets, else an eighth of the most the heap may grow to. */
    public static ByteBudget budgetFromSystemProperties() {
        return new ByteBudget(Long.getLong(BUDGET_PROPERTY, Runtime.getRuntime().maxMemory() / 8));
    }

    /** True when the server holds the statement, prepared since its plan last went out of date. */
    public synchronized boolean contains(PreparedStatement statement) {
        Copy copy = prepared.get(statement.id()); // get() also marks it recently used
        return copy != null && copy.planEpoch() == statement.planEpoch();
    }

    /**
     * Records that the statement is being prepared; returns the least recently used statements to close on
     * the server so the cache holds at most {@code capacity} (several when max_prepared_statements was
     * lowered by a reload, as PgBouncer evicts down to it on the next insert) and all caches' text fits
     * the budget, else an empty list. A copy whose plan went out of date is in the list itself: the server
     * still holds it under the statement's name, so it is closed before the Parse that prepares it again.
     */
    public synchronized List<PreparedStatement> add(PreparedStatement statement, int capacity) {
        if (closed) {
            return List.of();
        }
        Copy fresh = new Copy(statement, statement.planEpoch());
        Copy held = prepared.putIfAbsent(statement.id(), fresh);
        if (held != null) {
            if (held.planEpoch() == fresh.planEpoch()) {
                return List.of();
            }
            prepared.put(statement.id(), fresh); // one copy still: its bytes stay counted once
            return List.of(statement);
        }
        List<PreparedStatement> evicted = new ArrayList<>(0);
        Iterator<Copy> eldest = prepared.values().iterator();
        while (prepared.size() > Math.max(1, capacity)) {
            evict(eldest, evicted);
        }
        if (statement.serverCopyAdded()) {
            while (!budget.take(statement.length())) {
                if (prepared.size() == 1) { // only the new one is left
                    budget.takeAnyway(statement.length());
                    overBudget = true;
                    break;
                }
                evict(eldest, evicted);
            }
        }
        return evicted;
    }

    /** Drops the eldest entry (never the one just added, the youngest, while another is left). */
    private void evict(Iterator<Copy> eldest, List<PreparedStatement> evicted) {
        PreparedStatement statement = eldest.next().statement();
        eldest.remove();
        forget(statement);
        evicted.add(statement);
    }

    private void forget(PreparedStatement statement) {
        if (statement.serverCopyRemoved()) {
            budget.giveBack(statement.length());
        }
    }

    /** Its Parse failed, so the server does not have it. */
    public synchronized void remove(long id) {
        Copy removed = prepared.remove(id);
        if (removed != null) {
            forget(removed.statement());
        }
    }

    /**
     * PostgreSQL refused this server's copy of {@code statement} as out of date (ResponseTracker): a schema
     * change since it was prepared altered its result's columns or dropped a type it takes. The copies of
     * all servers prepared as long ago are then out of date too, and each is prepared again before its next
     * use, this one included (see {@link #add}).
     */
    public synchronized void planOutdated(PreparedStatement statement) {
        Copy copy = prepared.get(statement.id());
        if (copy != null) {
            statement.planOutdated(copy.planEpoch());
        }
    }

    /** DISCARD ALL or DEALLOCATE ALL ran on the server: it holds no statement, so nothing is in doubt either. */
    public synchronized void clear() {
        prepared.values().forEach(copy -> forget(copy.statement()));
        prepared.clear();
        inDoubt = false;
        overBudget = false;
    }

    /**
     * Empties the list as a client's DEALLOCATE ALL or DISCARD ALL goes out, ahead of its running (see
     * StatementRewriter.discardAhead); returns what it held, for {@link #restore} should it not run.
     */
    synchronized List<Copy> clearAhead() {
        List<Copy> held = new ArrayList<>(prepared.values());
        clear();
        return held;
    }

    /**
     * The DEALLOCATE ALL or DISCARD ALL {@link #clearAhead} was for did not run (refused, or skipped behind
     * an error): the server still holds {@code held}, beside what was prepared since. The list is in doubt
     * too, so the server is reset before another client gets it.
     */
    synchronized void restore(List<Copy> held) {
        for (Copy copy : held) {
            PreparedStatement statement = copy.statement();
            if (!closed && prepared.putIfAbsent(statement.id(), copy) == null && statement.serverCopyAdded()) {
                budget.takeAnyway(statement.length());
            }
        }
        inDoubt = true;
    }

    /** The connection ended: its statements' bytes are given back, and it keeps none from now on. */
    public synchronized void close() {
        clear();
        closed = true;
    }

    /**
     * True from an {@link #add} that kept a statement past the budget until the next {@link #clear}: the
     * server must be emptied (reset) before anyone else gets it.
     */
    public synchronized boolean overBudget() {
        return overBudget;
    }

    /**
     * A client's SQL {@code DEALLOCATE name} ran on the server, or the server refused the pooler's own Parse
     * because a client's SQL PREPARE took the name first. The name may have been one of the pooler's (any
     * client can read them in pg_prepared_statements), and the client may prepare its own statement under
     * it next. Or the server skipped, behind an error in a client's batch, the Close of a statement this
     * cache let go to make room, and still holds it. Or the server accepted, under one of the pooler's
     * names, another text a client parsed under a name it held (ResponseTracker.duplicateAccepted). Or a
     * client's DEALLOCATE ALL or DISCARD ALL emptied the server while one of the pooler's Parses was still
     * on its way behind it (ResponseTracker.statementsDiscarded). Any
     * way, what this cache says can no longer be trusted, until the server runs DISCARD ALL or DEALLOCATE
     * ALL ({@link #clear}). Until then the server serves nobody else (ServerRelease).
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
