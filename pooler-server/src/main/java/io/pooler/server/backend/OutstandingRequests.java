package io.pooler.server.backend;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The linked client's requests PostgreSQL has not answered yet (PgBouncer's outstanding requests):
 * the requests that end in a ReadyForQuery (Query, Sync, FunctionCall) counted as they are sent,
 * the ReadyForQuery messages counted as they are relayed. Nothing is outstanding when the two are
 * equal. With named prepared statements tracked, the per-message queue of what each request expects
 * back is the server's {@link io.pooler.protocol.prepared.ResponseTracker}.
 *
 * <p>Threads: requests are counted on the client's loop, answers on the server's loop, hence atomics.
 * NOTE: a request is counted before its bytes can be flushed, so its answer can never be counted first.
 */
final class OutstandingRequests {
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private volatile long busySinceNanos;
    private volatile long lastReadyNanos = System.nanoTime();

    /** A new link: counting starts afresh. */
    void reset() {
        answered.set(0);
        sent.set(0);
    }

    /** The linked client sent a request PostgreSQL answers with ReadyForQuery; on the client's loop. */
    void requestSent() {
        if (sent.get() == answered.get()) {
            busySinceNanos = System.nanoTime();
        }
        sent.incrementAndGet();
    }

    /** A ReadyForQuery was relayed to the linked client; on the server's loop. */
    void answerRelayed() {
        answered.incrementAndGet();
    }

    /** PostgreSQL said ReadyForQuery, to a client or to an internal query. */
    void serverReady() {
        lastReadyNanos = System.nanoTime();
    }

    long outstanding() {
        return sent.get() - answered.get();
    }

    long answered() {
        return answered.get();
    }

    long busySinceNanos() {
        return busySinceNanos;
    }

    long lastReadyNanos() {
        return lastReadyNanos;
    }
}
