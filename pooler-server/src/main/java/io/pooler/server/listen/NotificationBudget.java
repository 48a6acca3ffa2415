package io.pooler.server.listen;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory that notifications not yet taken by their clients may hold, all listening clients of all
 * loops together: written and not yet sent, or waiting in a client's own buffer (while it is in a
 * transaction, or while its socket is full; ClientNotifications).
 *
 * <p>Why a bound for all of them: each client's own bound ({@link ClientNotifications#MAX_HELD_BYTES})
 * times the clients is no bound at all. Before notifications that wait were copied together, 600
 * psycopg2 listeners reading more slowly than a burst of 4,000 small notifications made a pooler with
 * the launcher's 256 MB heap end with "Java heap space", every client with it (bench/listen-fanout.py),
 * since each waiting notification was a queued write (Netty's entry, a view of the server's buffer, a
 * promise), several times a small notification's bytes. Past the budget, a client that is behind by
 * more than its fair share (the budget over the listening clients, and never less than
 * {@link #FAIR_SHARE_FLOOR}) is disconnected as it gets its next notification; a client that keeps up
 * never is. So the total stays under the budget plus each client's fair share (ListenBudgetTest).
 *
 * <p>Counted as Netty counts a queued write: its bytes plus {@link #ENTRY_OVERHEAD} for the objects
 * that hold it; a notification copied behind others that wait counts its bytes only.
 *
 * <p>Threads: shared by all loops; atomic counters only.
 */
public final class NotificationBudget {
    /** Netty's ChannelOutboundBuffer counts this for each queued write besides its bytes. */
    static final int ENTRY_OVERHEAD = 96;
    /**
     * A client this few bytes behind is never cut for the others' sake: a reader that keeps up can lag
     * this much in a burst of the largest notifications.
     */
    static final long FAIR_SHARE_FLOOR = 256 * 1024;
    /** Overrides the budget, in bytes; by default a quarter of the heap (64 MB under the launcher's -Xmx256m). */
    public static final String LIMIT_PROPERTY = "pooler.listen.maxPendingBytes";

    private final long limit;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicInteger clients = new AtomicInteger();

    NotificationBudget(long limit) {
        this.limit = limit;
    }

    /** The budget {@link #LIMIT_PROPERTY} sets, else a quarter of the most the heap may grow to. */
    static NotificationBudget fromSystemProperties() {
        return new NotificationBudget(Long.getLong(LIMIT_PROPERTY, Runtime.getRuntime().maxMemory() / 4));
    }

    /** What a notification frame of {@code bytes} is counted as while it waits. */
    static long cost(int bytes) {
        return bytes + (long) ENTRY_OVERHEAD;
    }

    void clientJoined() {
        clients.incrementAndGet();
    }

    void clientLeft() {
        clients.decrementAndGet();
    }

    void taken(long cost) {
        pending.addAndGet(cost);
    }

    void givenBack(long cost) {
        pending.addAndGet(-cost);
    }

    /** Past the budget, and this client ({@code backlog} counted bytes behind) past its fair share. */
    boolean overAndBehind(long backlog) {
        if (pending.get() <= limit) {
            return false;
        }
        long fairShare = Math.max(FAIR_SHARE_FLOOR, limit / Math.max(1, clients.get()));
        return backlog > fairShare;
    }

    /** What all clients' waiting notifications are counted as now. */
    public long pending() {
        return pending.get();
    }

    public long limit() {
        return limit;
    }
}
