package io.pooler.stats;

import java.lang.invoke.VarHandle;

/**
 * When the running query and transaction of one client started, for PgBouncer's query and transaction
 * counts and times (see {@link PoolStats}).
 *
 * <p>Threads: the client's event loop, which is also its linked server's (one loop per pair): every
 * write comes from there. SHOW CLIENTS and the janitor read the start times, some from another thread,
 * so the fields are read and written opaque ({@link OpaqueFields}): whole values, soon visible, and none
 * of the six fences per transaction that volatile stores cost.
 */
public final class QueryTimer {
    private static final VarHandle QUERY_START = OpaqueFields.find(QueryTimer.class, "queryStartNanos", long.class);
    private static final VarHandle XACT_START = OpaqueFields.find(QueryTimer.class, "xactStartNanos", long.class);

    private final PoolStats stats;
    private long queryStartNanos;
    private long xactStartNanos;
    /** Requests sent that PostgreSQL answers with ReadyForQuery (Query, Sync, FunctionCall). */
    private long requestsSent;
    /** ReadyForQuery messages relayed to the client. */
    private long readyReceived;

    public QueryTimer(PoolStats stats) {
        this.stats = stats;
    }

    /**
     * The client sent a message; {@code expectsReady} when PostgreSQL will answer it with ReadyForQuery.
     * Client loop.
     */
    public void clientMessage(boolean expectsReady) {
        if (queryStartNanos == 0) {
            long now = System.nanoTime();
            QUERY_START.setOpaque(this, now);
            stats.queryStarted();
            if (xactStartNanos == 0) {
                XACT_START.setOpaque(this, now);
                stats.transactionStarted();
            }
        }
        if (expectsReady) {
            requestsSent++;
        }
    }

    /**
     * A ReadyForQuery with this transaction status is on its way to the client. The query ends when it
     * answers the last request sent (pipelined requests count as one query, as in PgBouncer); the
     * transaction ends when the status is idle. Linked server's loop, or the client's for a ReadyForQuery
     * the pooler answered itself. {@code nowNanos}: {@link System#nanoTime()} when the ReadyForQuery was
     * read (the server keeps that time for idle_transaction_timeout: one clock read for both).
     */
    public void readyForQuery(byte transactionStatus, long nowNanos) {
        readyReceived++;
        if (readyReceived < requestsSent) {
            return;
        }
        long queryStart = queryStartNanos;
        if (queryStart == 0) {
            return;
        }
        QUERY_START.setOpaque(this, 0L);
        stats.queryDone(nowNanos - queryStart);
        if (transactionStatus == 'I') {
            long xactStart = xactStartNanos;
            if (xactStart != 0) {
                XACT_START.setOpaque(this, 0L);
                stats.transactionDone(nowNanos - xactStart);
            }
        }
    }

    /** How long the open transaction has been going, in nanoseconds; 0 when none (transaction_timeout). */
    public long transactionNanos(long nowNanos) {
        long start = (long) XACT_START.getOpaque(this);
        return start == 0 ? 0 : nowNanos - start;
    }

    /** How long the running query has been going, in nanoseconds; 0 when none (SHOW CLIENTS' wait). */
    public long runningNanos(long nowNanos) {
        long start = (long) QUERY_START.getOpaque(this);
        return start == 0 ? 0 : nowNanos - start;
    }
}
