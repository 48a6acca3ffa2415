package io.pooler.pool;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Who holds a pool, so that one nobody uses can be freed (PgBouncer's autodb_idle_timeout): the clients
 * that entered it and its server slots. A pool is retired at most once, and only while nobody holds it;
 * from then on nothing enters it, so a client that found it just before it went asks the registry for a
 * new one, and no server is launched for it.
 *
 * <p>Threads: any; lock-free. The count and the retirement are one atomic integer, so an entry and a
 * retirement cannot both succeed.
 */
final class PoolMembership {
    private static final int RETIRED = Integer.MIN_VALUE;

    private final AtomicInteger holders = new AtomicInteger();
    private final LongSupplier clock;
    /** When the last holder left (or the pool was made); read only while nobody holds it. */
    private volatile long unusedSinceNanos;

    PoolMembership(LongSupplier clock) {
        this.clock = clock;
        this.unusedSinceNanos = clock.getAsLong();
    }

    /** One more holder, unless the pool is retired (then false). */
    boolean tryEnter() {
        while (true) {
            int current = holders.get();
            if (current == RETIRED) {
                return false;
            }
            if (holders.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** A holder leaves: the pool counts as used until now. */
    void leave() {
        // NOTE: written before the count drops, so a retirement that sees nobody sees this time too.
        unusedSinceNanos = clock.getAsLong();
        holders.decrementAndGet();
    }

    /** Takes back a {@link #tryEnter} that came to nothing (a server slot not taken after all). */
    void undoEnter() {
        holders.decrementAndGet();
    }

    /** Retires the pool if nobody has held it for {@code unusedNanos}; true when this call retired it. */
    boolean tryRetire(long unusedNanos) {
        return holders.get() == 0 && clock.getAsLong() - unusedSinceNanos >= unusedNanos
                && holders.compareAndSet(0, RETIRED);
    }

    boolean retired() {
        return holders.get() == RETIRED;
    }
}
