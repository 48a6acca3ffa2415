package io.pooler.server.client;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes that clients waiting for a server may have queued, all clients of all loops together.
 *
 * <p>Why a bound for all of them: a waiting client is read until 64 KiB of its messages wait
 * ({@link FrontendRelay#MAX_READ_WHILE_WAITING}), and that bound times the clients is no bound: 10,000
 * clients that all wait with full queues could hold some 800 MB, more than the launcher's heap (which
 * also bounds Netty's direct memory). Past this budget a client that still waits is no longer read until
 * its server comes; nobody is refused or disconnected for it, since a waiting client only waits, and what
 * it sends meanwhile stays in its socket. So the total stays under the budget plus one read of each
 * waiting client: the budget is checked after a read, not before (WaitingBudgetTest).
 *
 * <p>Only a client that is still waiting once it has asked for a server is counted: a client that gets
 * one at once, as most do, never touches the shared counter.
 *
 * <p>Threads: shared by all loops; one atomic counter.
 */
public final class WaitingBudget {
    /** Overrides the budget, in bytes; by default a quarter of the heap (64 MB under the launcher's -Xmx256m). */
    public static final String LIMIT_PROPERTY = "pooler.waiting.maxPendingBytes";

    private final long limit;
    private final AtomicLong queued = new AtomicLong();

    WaitingBudget(long limit) {
        this.limit = limit;
    }

    /** The budget {@link #LIMIT_PROPERTY} sets, else a quarter of the most the heap may grow to. */
    public static WaitingBudget fromSystemProperties() {
        return new WaitingBudget(Long.getLong(LIMIT_PROPERTY, Runtime.getRuntime().maxMemory() / 4));
    }

    /** Counts {@code bytes} more waiting; true when all waiting clients are now past the budget. */
    boolean take(long bytes) {
        return queued.addAndGet(bytes) > limit;
    }

    /** {@code bytes} counted by {@link #take} no longer wait. */
    void giveBack(long bytes) {
        if (bytes != 0) {
            queued.addAndGet(-bytes);
        }
    }

    /** What waiting clients have queued now, as counted. */
    public long queued() {
        return queued.get();
    }

    public long limit() {
        return limit;
    }
}
