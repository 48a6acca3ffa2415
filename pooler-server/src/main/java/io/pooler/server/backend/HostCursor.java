package io.pooler.server.backend;

import io.pooler.config.LoadBalanceHosts;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which host of a database's host list a new server connection tries first: PgBouncer's per-pool
 * {@code rrcounter}, kept per database entry and host list here. Shared by every event loop, hence atomic.
 *
 * <ul>
 * <li>{@code round-robin}: each connection starts one host further.</li>
 * <li>{@code disable}: connections stay on one host; a failed connect moves everyone to the next host,
 *     and a connect that succeeded after failing over stays where it landed.</li>
 * </ul>
 */
final class HostCursor {
    private final LoadBalanceHosts mode;
    private final AtomicInteger counter = new AtomicInteger();

    HostCursor(LoadBalanceHosts mode) {
        this.mode = mode;
    }

    /** The index to start at, among {@code count} hosts. */
    int first(int count) {
        int n = mode == LoadBalanceHosts.ROUND_ROBIN ? counter.getAndIncrement() : counter.get();
        return Math.floorMod(n, count);
    }

    void failed(int index, int count) {
        if (mode == LoadBalanceHosts.DISABLE) {
            // Only the first to notice moves the cursor on: concurrent failures of one host skip one host.
            int seen = counter.get();
            if (Math.floorMod(seen, count) == index) {
                counter.compareAndSet(seen, index + 1);
            }
        }
    }

    void succeeded(int index) {
        if (mode == LoadBalanceHosts.DISABLE) {
            counter.set(index);
        }
    }
}
