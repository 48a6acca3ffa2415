package io.pooler.server.listen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.pooler.pool.Pool;
import io.pooler.protocol.ErrorResponse;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's side of multiplexed LISTEN: its subscriptions in its pool's {@link ListenerHub}, and
 * the notifications that arrive while it is in a transaction, held until it is between transactions
 * again (PostgreSQL, too, delivers a notification only outside a transaction block), or while its
 * socket takes no more, held until it does. Held notifications are copied one after the other into
 * one buffer, so each costs its bytes, not a queued write; what all clients hold together is bounded
 * by the {@link NotificationBudget}. Created on the client's first LISTEN, so a client that never
 * listens pays nothing.
 *
 * <p>Threads: owned by the client's loop; the hub's calls hop there.
 */
public final class ClientNotifications implements NotificationSubscriber {
    private static final Logger log = LoggerFactory.getLogger(ClientNotifications.class);
    /**
     * Notifications held for a client in a transaction, or written and not yet taken by a client that
     * does not read, beyond this many bytes end its connection with an error: one client must not make
     * the pooler buffer without bound, and dropping notifications silently is not an option. A
     * notification is at most 8,000 bytes of payload, so this is over a hundred of the largest. All
     * clients together have a bound too ({@link NotificationBudget}).
     */
    public static final int MAX_HELD_BYTES = 1024 * 1024;
    private static final int INITIAL_WAITING_CAPACITY = 1024;

    private final Channel channel;
    private final Pool pool;
    private final ListenerHubs hubs;
    private final BooleanSupplier betweenTransactions;
    private final Consumer<String> disconnect;
    private final NotificationBudget budget;
    /**
     * Notifications not written yet, in order, copied one after the other: while the client is in a
     * transaction, while its channel is not writable, and after that until they are written. Null when
     * none wait. Its counted cost in the budget is {@link #waitingCost}.
     */
    private ByteBuf waiting;
    private long waitingCost;
    private int subscriptions;
    /**
     * The hub this client's first LISTEN went to, kept for all its calls: one hub's loop takes them in
     * the order the client made them, and a retired hub passes them on in that order (ListenerHub). A
     * call that asked the map anew could reach the next hub before a subscribe still on its way through
     * the old one, or, with no hub left, make one that would hold a server for nobody.
     */
    private ListenerHub hub;
    private boolean closed;
    private boolean leftBudget;

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
        this.budget = hubs.budget();
        budget.clientJoined();
    }

    /**
     * LISTEN: {@code answered} runs on the client's loop once PostgreSQL listens to the channel, or
     * {@code refused}, with the error to answer, when a channel limit refuses it (ListenChannelLimits).
     */
    public void listen(String name, Runnable answered, Consumer<ErrorResponse> refused) {
        subscriptions++;
        if (hub == null) {
            hub = hubs.hubFor(pool, channel.eventLoop());
        }
        hub.subscribe(this, name, answered, error -> {
            if (subscriptions > 0) {
                subscriptions--; // none was made
            }
            refused.accept(error);
        });
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

    /** The client is between transactions: hand over what was held, if its socket takes more now. */
    public void flushHeld() {
        writeWaitingIfPossible();
    }

    /** The client's socket takes more again (its channel became writable): hand over what waited. */
    public void writable() {
        writeWaitingIfPossible();
    }

    /** The client left: no more subscriptions, nothing held. */
    public void close() {
        if (!leftBudget) {
            leftBudget = true;
            budget.clientLeft();
        }
        closed = true;
        unlistenAll();
        releaseWaiting();
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
        boolean betweenTransactions = this.betweenTransactions.getAsBoolean();
        if (waiting == null && betweenTransactions && channel.isWritable()) {
            long cost = NotificationBudget.cost(frame.readableBytes());
            budget.taken(cost);
            // Given back once the socket has taken it, or the write failed (the channel closed).
            channel.writeAndFlush(frame).addListener(sent -> budget.givenBack(cost));
        } else {
            addWaiting(frame);
        }
        long backlog = unsentBytes() + waitingBytes();
        if (backlog <= MAX_HELD_BYTES && !budget.overAndBehind(backlog)) {
            return;
        }
        if (!betweenTransactions) {
            String reason = backlog > MAX_HELD_BYTES
                    ? "more than " + MAX_HELD_BYTES + " bytes of notifications held while the client stayed in a transaction"
                    : "notifications held while the client stayed in a transaction are more than its share of the"
                    + " memory for all listening clients' notifications (" + budget.pending() + " bytes counted)";
            releaseWaiting();
            disconnect.accept(reason);
            return;
        }
        // An error message would wait behind the same unread bytes: close at once.
        log.warn("{} closing: it does not read its notifications ({} bytes wait to be sent; all listening clients'"
                + " waiting notifications count {} of a budget of {})", channel, backlog, budget.pending(), budget.limit());
        closed = true; // the client's teardown ends its subscriptions (close())
        channel.close();
    }

    /**
     * Copies the frame behind the notifications that wait (and releases it): a notification waiting for
     * a client in a transaction or one whose socket is full costs its bytes, not a queued write each.
     */
    private void addWaiting(ByteBuf frame) {
        try {
            if (waiting == null) {
                waiting = channel.alloc().directBuffer(Math.max(frame.readableBytes(), INITIAL_WAITING_CAPACITY));
            }
            budget.taken(frame.readableBytes());
            waitingCost += frame.readableBytes();
            waiting.writeBytes(frame);
        } finally {
            frame.release();
        }
    }

    private void writeWaitingIfPossible() {
        if (waiting == null || closed || !betweenTransactions.getAsBoolean() || !channel.isWritable()) {
            return;
        }
        ByteBuf batch = waiting;
        long cost = waitingCost + NotificationBudget.ENTRY_OVERHEAD;
        budget.taken(NotificationBudget.ENTRY_OVERHEAD);
        waiting = null;
        waitingCost = 0;
        channel.writeAndFlush(batch).addListener(sent -> budget.givenBack(cost));
    }

    private long waitingBytes() {
        return waiting == null ? 0 : waiting.readableBytes();
    }

    /** Bytes written to the client's channel that the socket has not taken yet. */
    private long unsentBytes() {
        ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        return outbound == null ? 0 : outbound.totalPendingWriteBytes();
    }

    private void releaseWaiting() {
        if (waiting != null) {
            budget.givenBack(waitingCost);
            waiting.release();
            waiting = null;
            waitingCost = 0;
        }
    }
}
