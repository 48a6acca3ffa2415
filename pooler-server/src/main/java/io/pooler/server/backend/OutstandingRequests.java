package io.pooler.server.backend;

/**
 * The linked client's requests PostgreSQL has not answered yet (PgBouncer's outstanding requests):
 * the requests that end in a ReadyForQuery (Query, Sync, FunctionCall) counted as they are sent,
 * the ReadyForQuery messages counted as they are relayed. Nothing is outstanding when the two are
 * equal. With named prepared statements tracked, the per-message queue of what each request expects
 * back is the server's {@link io.pooler.protocol.prepared.ResponseTracker}.
 *
 * <p>Threads: the server's event loop, which is also its linked client's (one loop per pair): plain
 * fields, no atomics on the relay path. NOTE: a request is counted before its bytes can be flushed,
 * so its answer can never be counted first.
 */
final class OutstandingRequests {
    private long sent;
    private long answered;
    private long busySinceNanos;
    private long lastReadyNanos = System.nanoTime();

    /** A new link: counting starts afresh. */
    void reset() {
        answered = 0;
        sent = 0;
    }

    /** The linked client sent a request PostgreSQL answers with ReadyForQuery. */
    void requestSent() {
        if (sent == answered) {
            busySinceNanos = System.nanoTime();
        }
        sent++;
    }

    /** A ReadyForQuery was relayed to the linked client. */
    void answerRelayed() {
        answered++;
    }

    /**
     * PostgreSQL skipped {@code requests} Query or FunctionCall messages written inside an extended-protocol
     * batch behind an error: they are over, with no ReadyForQuery of their own (ResponseTracker counts them).
     */
    void answeredWithoutReady(int requests) {
        answered += requests;
    }

    /** PostgreSQL said ReadyForQuery, to a client or to an internal query. */
    void serverReady() {
        lastReadyNanos = System.nanoTime();
    }

    /** Requests sent on this link. */
    long sent() {
        return sent;
    }

    /** ReadyForQuery messages relayed on this link. */
    long answered() {
        return answered;
    }

    long outstanding() {
        return sent - answered;
    }

    long busySinceNanos() {
        return busySinceNanos;
    }

    long lastReadyNanos() {
        return lastReadyNanos;
    }
}
