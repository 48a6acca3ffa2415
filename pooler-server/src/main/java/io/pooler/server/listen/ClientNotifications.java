package io.pooler.server.listen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.pooler.pool.Pool;

import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's side of multiplexed LISTEN: its subscriptions in its pool's {@link ListenerHub}, and
 * the notifications that arrive while it is in a transaction, held until it is between transactions
 * again (PostgreSQL, too, delivers a notification only outside a transaction block). Created on the
 * client's first LISTEN, so a client that never listens pays nothing.
 *
 * <p>Threads: owned by the client's loop; the hub's calls hop there.
 */
public final class ClientNotifications implements NotificationSubscriber {
    private static final Logger log = LoggerFactory.getLogger(ClientNotifications.class);
    /**
     * Notifications held for a client in a transaction, or written and not yet taken by a client that
     * does not read, beyond this many bytes end its connection with an error: one client must not make
     * the pooler buffer without bound, and dropping notifications silently is not an option. A
     * notification is at most 8,000 bytes of payload, so this is over a hundred of the largest.
     */
    public static final int MAX_HELD_BYTES = 1024 * 1024;

    private final Channel channel;
    private final Pool pool;
    private final ListenerHubs hubs;
    private final BooleanSupplier betweenTransactions;
    private final Consumer<String> disconnect;
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private long heldBytes;
    private int subscriptions;
    /**
     * The hub this client's first LISTEN went to, kept for all its calls: one hub's loop takes them in
     * the order the client made them, and a retired hub passes them on in that order (ListenerHub). A
     * call that asked the map anew could reach the next hub before a subscribe still on its way through
     * the old one, or, with no hub left, make one that would hold a server for nobody.
     */
    private ListenerHub hub;
    private boolean closed;

    /**
     * @param betweenTransactions whether a notification may be written to the client now
     * @param disconnect          ends the client's connection with an error carrying the reason
     */
    public ClientNotifications(Channel channel, Pool pool, ListenerHubs hubs, BooleanSupplier betweenTransactions,
                               Consumer<String> disconnect) {
        this.channel = channel;
        this.pool = pool;
        this.hubs = hubs;
        this.betweenTransactions = betweenTransactions;
        this.disconnect = disconnect;
    }

    /** LISTEN: {@code answered} runs on the client's loop once PostgreSQL listens to the channel. */
    public void listen(String name, Runnable answered) {
        subscriptions++;
        if (hub == null) {
            hub = hubs.hubFor(pool, channel.eventLoop());
        }
        hub.subscribe(this, name, answered);
    }

    public void unlisten(String name) {
        if (hub != null) {
            hub.unsubscribe(this, name);
        } // never listened: nothing to end, and no listener to start for it
    }

    /** UNLISTEN *, DISCARD ALL. */
    public void unlistenAll() {
        if (subscriptions > 0) {
            subscriptions = 0;
            hub.unsubscribeAll(this);
        }
    }

    /** Whether this client ever subscribed since its last UNLISTEN * (the hub knows the exact set). */
    public boolean listening() {
        return subscriptions > 0;
    }

    /** The client is between transactions: hand over what was held. */
    public void flushHeld() {
        if (held.isEmpty()) {
            return;
        }
        while (!held.isEmpty()) {
            channel.write(held.poll());
        }
        heldBytes = 0;
        channel.flush();
    }

    /** The client left: no more subscriptions, nothing held. */
    public void close() {
        closed = true;
        unlistenAll();
        releaseHeld();
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public void deliverNotification(ByteBuf frame) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            onNotification(frame);
            return;
        }
        try {
            loop.execute(() -> onNotification(frame));
        } catch (RuntimeException rejected) {
            frame.release(); // the loop is shutting down: the task will never own it
        }
    }

    @Override
    public void notificationsLost(String reason) {
        channel.eventLoop().execute(() -> {
            if (!closed) {
                disconnect.accept(reason);
            }
        });
    }

    private void onNotification(ByteBuf frame) {
        if (closed) {
            frame.release();
            return;
        }
        if (held.isEmpty() && betweenTransactions.getAsBoolean()) {
            channel.writeAndFlush(frame);
            if (unsentBytes() > MAX_HELD_BYTES) {
                // An error message would wait behind the same unread bytes: close at once.
                log.warn("{} closing: it does not read its notifications ({} bytes wait to be sent)",
                        channel, unsentBytes());
                closed = true;
                channel.close();
            }
            return;
        }
        heldBytes += frame.readableBytes();
        held.add(frame);
        if (heldBytes > MAX_HELD_BYTES) {
            releaseHeld();
            disconnect.accept("more than " + MAX_HELD_BYTES + " bytes of notifications held while the client"
                    + " stayed in a transaction");
        }
    }

    /** Bytes written to the client's channel that the socket has not taken yet. */
    private long unsentBytes() {
        ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        return outbound == null ? 0 : outbound.totalPendingWriteBytes();
    }

    private void releaseHeld() {
        while (!held.isEmpty()) {
            held.poll().release();
        }
        heldBytes = 0;
    }
}
