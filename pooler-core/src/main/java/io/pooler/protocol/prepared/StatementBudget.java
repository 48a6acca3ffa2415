package io.pooler.protocol.prepared;

/**
 * The bytes of statement definitions (query text, parameter types) the pooler keeps for clients' named
 * statements, per client and all clients of all loops together.
 *
 * <p>Why: a client's names are bounded in count ({@link StatementRewriter#MAX_CLIENT_STATEMENTS}), but
 * each keeps its whole definition, up to max_parsed_message_size (64 MiB), so the count alone is no
 * bound: some 300 Parses of distinct 1 MB statements filled the launcher's 256 MB heap. A Parse that
 * would take its client past {@link #clientLimit()}, or all clients past {@link #limit()}, is refused to
 * its sender (53400, as a name past the count is); nobody else is affected. ORM statements are a few
 * KiB, so the defaults, 16 MiB a client and a quarter of the heap for all, are never reached by a real
 * application (PreparedStatementBudgetTest).
 *
 * <p>A definition is counted once for each name a client keeps it under, though clients that name the
 * same text share one copy: the count errs on the side of more.
 *
 * <p>Threads: shared by all loops; one atomic counter ({@link ByteBudget}). Each client's own count
 * is its rewriter's, on the client's loop.
 */
public final class StatementBudget {
    /** Overrides the bound per client, in bytes; by default 16 MiB. */
    public static final String CLIENT_LIMIT_PROPERTY = "pooler.prepared.maxClientBytes";
    /** Overrides the bound for all clients, in bytes; by default a quarter of the heap (64 MB under -Xmx256m). */
    public static final String LIMIT_PROPERTY = "pooler.prepared.maxBytes";
    static final long DEFAULT_CLIENT_LIMIT = 16L * 1024 * 1024;

    private final long clientLimit;
    private final ByteBudget all;

    public StatementBudget(long clientLimit, long limit) {
        this.clientLimit = clientLimit;
        this.all = new ByteBudget(limit);
    }

    /** The bounds the system properties set, else 16 MiB a client and a quarter of the most the heap may grow to. */
    public static StatementBudget fromSystemProperties() {
        return new StatementBudget(Long.getLong(CLIENT_LIMIT_PROPERTY, DEFAULT_CLIENT_LIMIT),
                Long.getLong(LIMIT_PROPERTY, Runtime.getRuntime().maxMemory() / 4));
    }

    /**
     * Counts {@code bytes} more kept, unless that would take all clients past the budget: then counts
     * nothing and returns false. Never over the budget, even for a moment, so one client's refused Parse
     * cannot make another's fail.
     */
    boolean take(long bytes) {
        return all.take(bytes);
    }

    /** {@code bytes} counted by {@link #take} are no longer kept. */
    void giveBack(long bytes) {
        all.giveBack(bytes);
    }

    /** What all clients keep now, as counted. */
    public long kept() {
        return all.kept();
    }

    public long limit() {
        return all.limit();
    }

    public long clientLimit() {
        return clientLimit;
    }
}
