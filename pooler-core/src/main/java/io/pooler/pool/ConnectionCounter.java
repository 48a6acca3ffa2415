package io.pooler.pool;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count shared by several pools, checked against a limit that may change on reload:
 * max_db_connections, max_user_connections and their client-side twins. Lock-free, so pools with
 * different locks can share it.
 */
public final class ConnectionCounter {
    private final AtomicInteger count = new AtomicInteger();

    /** Takes one slot if the count is below {@code limit}; a limit of 0 means unlimited. */
    public boolean tryAcquire(int limit) {
        while (true) {
            int current = count.get();
            if (limit > 0 && current >= limit) {
                return false;
            }
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    public void release() {
        count.decrementAndGet();
    }

    public int get() {
        return count.get();
    }
}
