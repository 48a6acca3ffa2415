package io.pooler.stats;

/**
 * When the running query and transaction of one client started, for PgBouncer's query and transaction
 * counts and times (see {@link PoolStats}).
 *
 * <p>Threads: {@link #clientMessage} runs on the client's event loop, {@link #readyForQuery} on the event
 * loop of whichever server is linked, which may be another one. The fields are volatile, and each one is
 * written from one side at a time: a start is set by the client while none is running, and cleared by
 * the server only once every request the client sent has been answered, when the client is waiting for
 * that answer and sends nothing.
 */
public final class QueryTimer {
    private final PoolStats stats;
    private volatile long queryStartNanos;
    private volatile long xactStartNanos;
    /** Requests sent that PostgreSQL answers with ReadyForQuery (Query, Sync, FunctionCall); client loop only. */
    private volatile long requestsSent;
    /** ReadyForQuery messages relayed to the client; written by the linked server's loop. */
    private volatile long readyReceived;

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
            queryStartNanos = now;
            stats.queryStarted();
            if (xactStartNanos == 0) {
                xactStartNanos = now;
                stats.transactionStarted();
            }
        }
        if (expectsReady) {
            requestsSent = requestsSent + 1; // single writer
        }
    }

    /**
     * A ReadyForQuery with this transaction status is on its way to the client. The query ends when it
     * answers the last request sent (pipelined requests count as one query, as in PgBouncer); the
     * transaction ends when the status is idle. Linked server's loop, or the client's for a ReadyForQuery
     * the pooler answered itself.
     */
    public void readyForQuery(byte transactionStatus) {
        long answered = readyReceived + 1;
        readyReceived = answered;
        if (answered < requestsSent) {
            return;
        }
        long queryStart = queryStartNanos;
        if (queryStart == 0) {
            return;
        }
        long now = System.nanoTime();
        queryStartNanos = 0;
        stats.queryDone(now - queryStart);
        if (transactionStatus == 'I') {
            long xactStart = xactStartNanos;
            if (xactStart != 0) {
                xactStartNanos = 0;
                stats.transactionDone(now - xactStart);
            }
        }
    }

    /** How long the open transaction has been going, in nanoseconds; 0 when none (transaction_timeout). */
    public long transactionNanos(long nowNanos) {
        long start = xactStartNanos;
        return start == 0 ? 0 : nowNanos - start;
    }

    /** How long the running query has been going, in nanoseconds; 0 when none (SHOW CLIENTS' wait). */
    public long runningNanos(long nowNanos) {
        long start = queryStartNanos;
        return start == 0 ? 0 : nowNanos - start;
    }
}
