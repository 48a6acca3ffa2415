package io.pooler.server.listen;

import io.netty.channel.EventLoop;
import io.pooler.pool.Pool;
import io.pooler.admin.ListenerView;
import io.pooler.pool.PoolKey;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@link ListenerHub} of each pool that has listening clients. Shared by all loops: the map is
 * concurrent, and a hub's own state stays on its loop.
 */
public final class ListenerHubs {
    private final ConcurrentHashMap<PoolKey, ListenerHub> hubs = new ConcurrentHashMap<>();
    /** Every notification handed to a client, by every hub there ever was: a monotonic counter. */
    private final LongAdder delivered = new LongAdder();
    private final NotificationBudget budget = NotificationBudget.fromSystemProperties();
    private final ListenChannelLimits channelLimits = ListenChannelLimits.fromSystemProperties();

    /** The memory all clients' waiting notifications may take together. */
    public NotificationBudget budget() {
        return budget;
    }

    /** The channels a client, and a pool's listener, may LISTEN to. */
    ListenChannelLimits channelLimits() {
        return channelLimits;
    }

    /**
     * The pool's hub, created on {@code loop} (the first subscriber's) when there is none. A hub holds its
     * pool ({@link Pool#tryEnter}) until it leaves this map: the subscriber asking, a client of the pool,
     * holds it too, so the entry cannot fail.
     */
    public ListenerHub hubFor(Pool pool, EventLoop loop) {
        ListenerHub[] created = new ListenerHub[1];
        ListenerHub hub = hubs.computeIfAbsent(pool.key(), k -> {
            if (!pool.tryEnter()) {
                throw new IllegalStateException("a LISTEN hub asked for a retired pool " + k);
            }
            return created[0] = new ListenerHub(pool, loop, this);
        });
        if (hub == created[0]) {
            loop.execute(hub::start);
        }
        return hub;
    }

    void countDelivered() {
        delivered.increment();
    }

    public long delivered() {
        return delivered.sum();
    }

    /** The hub retired or lost its server: it leaves its pool, once. */
    void remove(ListenerHub hub) {
        if (hubs.values().remove(hub)) {
            hub.pool().leave();
        }
    }

    /**
     * SHOW LISTENERS: each hub describes itself on its own loop, and the rows complete once every hub
     * has answered; nobody waits. A hub whose loop no longer takes tasks (shutting down) is left out.
     */
    public CompletableFuture<List<ListenerView>> views() {
        List<CompletableFuture<List<ListenerView>>> parts = new ArrayList<>();
        for (ListenerHub hub : hubs.values()) {
            CompletableFuture<List<ListenerView>> part = new CompletableFuture<>();
            try {
                hub.loop().execute(() -> {
                    try {
                        part.complete(hub.views());
                    } catch (RuntimeException e) {
                        part.completeExceptionally(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                part.complete(List.of());
            }
            parts.add(part);
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<ListenerView> rows = new ArrayList<>();
            parts.forEach(part -> rows.addAll(part.join()));
            return rows;
        });
    }
}
