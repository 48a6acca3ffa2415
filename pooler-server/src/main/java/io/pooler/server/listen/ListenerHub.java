package io.pooler.server.listen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.pooler.admin.ListenerView;
import io.pooler.pool.Pool;
import io.pooler.pool.PooledClient;
import io.pooler.pool.PooledServer;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.server.backend.InternalServerUser;
import io.pooler.server.backend.ServerConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * LISTEN multiplexed for one pool: one server connection borrowed from the pool (as auth_query
 * borrows one, but kept) LISTENs to the union of the channels the pool's clients want, and each
 * NotificationResponse goes to every client subscribed to its channel, the sender included, in the
 * order PostgreSQL sent them. When the last subscription ends the server goes back to the pool.
 *
 * <p>A client's LISTEN is answered only once the listener's own LISTEN has completed on the server,
 * so a NOTIFY the client sends after its LISTEN returns is never missed.
 *
 * <p>Threads: every field is owned by {@link #loop}; the public methods may be called from any
 * thread and hop there. The server's callbacks arrive on the server's loop and hop too.
 */
public final class ListenerHub extends PooledClient implements InternalServerUser {
    private static final Logger log = LoggerFactory.getLogger(ListenerHub.class);

    /** One LISTEN/UNLISTEN sent to the server, and the clients to answer when it completes. */
    private record Command(String sql, List<Runnable> whenDone) {
    }

    private final Pool pool;
    private final EventLoop loop;
    private final ListenerHubs hubs;
    private final Map<String, Set<NotificationSubscriber>> subscribers = new LinkedHashMap<>();
    private final Map<NotificationSubscriber, Set<String>> channelsOf = new HashMap<>();
    /** Commands waiting for the server, then those sent and not yet answered (ReadyForQuery). */
    private final ArrayDeque<Command> unsent = new ArrayDeque<>();
    private final ArrayDeque<Command> inFlight = new ArrayDeque<>();
    private ServerConnection listener;
    private boolean retired;
    /**
     * True while {@link #dispatch} goes through a channel's subscribers, and then the number of calls
     * made on this loop meanwhile that wait as tasks. A subscriber's delivery can end its client's
     * connection within the call (epoll closes a socket whose write failed at once), and that client's
     * teardown unsubscribes it here: run then, it changed the set being gone through, and the
     * ConcurrentModificationException ended the listener's server and every subscriber with it
     * (ListenBudgetTest, sockets reset during a fan-out). Later calls of this loop queue behind them,
     * so one client's calls keep their order.
     */
    private boolean dispatching;
    private int queuedWhileDispatching;
    /**
     * Once retired: the one hub every call that still reaches this one is passed to, so that a
     * client's calls, which all come here in the client's order (ClientNotifications), follow one chain
     * of hubs and keep that order.
     */
    private ListenerHub successor;
    private long delivered;

    ListenerHub(Pool pool, EventLoop loop, ListenerHubs hubs) {
        this.pool = pool;
        this.loop = loop;
        this.hubs = hubs;
    }

    /** The pool it listens for, and holds while it is in {@link ListenerHubs}. */
    Pool pool() {
        return pool;
    }

    /** Asks the pool for the listener's server; called once, by {@link ListenerHubs}. */
    void start() {
        PooledServer server = pool.findServer(this);
        if (server != null) {
            onServerAssigned(server);
        }
    }

    /**
     * Subscribes {@code subscriber} to {@code channel}; {@code confirmed} runs on the subscriber's
     * loop once PostgreSQL listens to it, or {@code refused} does, with the error to answer, when the
     * channel is new to the subscriber past its limit or new to this listener past the pool's
     * ({@link ListenChannelLimits}): then nothing changes here.
     */
    public void subscribe(NotificationSubscriber subscriber, String channel, Runnable confirmed,
                          Consumer<ErrorResponse> refused) {
        onLoop(() -> {
            if (retired) {
                successor(subscriber.eventLoop()).subscribe(subscriber, channel, confirmed, refused);
                return;
            }
            // NOTE: the counts are the sizes of these two maps, on this loop: what UNLISTEN, UNLISTEN * and
            // a disconnect remove gives them back, and they cannot drift from what is held.
            ErrorResponse refusal = hubs.channelLimits().refusal(channelsOf.get(subscriber), subscribers.keySet(), channel);
            if (refusal != null) {
                subscriber.eventLoop().execute(() -> refused.accept(refusal));
                return;
            }
            channelsOf.computeIfAbsent(subscriber, s -> new LinkedHashSet<>()).add(channel);
            Set<NotificationSubscriber> set = subscribers.get(channel);
            Runnable answer = () -> subscriber.eventLoop().execute(confirmed);
            if (set != null) {
                set.add(subscriber);
                Command pendingListen = pendingListen(channel);
                if (pendingListen != null) {
                    pendingListen.whenDone().add(answer);
                } else {
                    answer.run();
                }
                return;
            }
            set = new LinkedHashSet<>();
            set.add(subscriber);
            subscribers.put(channel, set);
            List<Runnable> whenDone = new ArrayList<>();
            whenDone.add(answer);
            send(new Command("LISTEN " + quoteIdentifier(channel), whenDone));
        });
    }

    /** Ends one subscription; notifications on that channel stop at once for this subscriber. */
    public void unsubscribe(NotificationSubscriber subscriber, String channel) {
        onLoop(() -> {
            if (retired) {
                forwardToSuccessor(hub -> hub.unsubscribe(subscriber, channel));
                return;
            }
            Set<String> channels = channelsOf.get(subscriber);
            if (channels != null && channels.remove(channel)) {
                if (channels.isEmpty()) {
                    channelsOf.remove(subscriber);
                }
                drop(subscriber, channel);
            }
        });
    }

    /** Ends all of a subscriber's subscriptions (UNLISTEN *, DISCARD ALL, disconnect). */
    public void unsubscribeAll(NotificationSubscriber subscriber) {
        onLoop(() -> {
            if (retired) {
                forwardToSuccessor(hub -> hub.unsubscribeAll(subscriber));
                return;
            }
            Set<String> channels = channelsOf.remove(subscriber);
            if (channels != null) {
                for (String channel : channels) {
                    drop(subscriber, channel);
                }
            }
        });
    }

    /**
     * A retired hub holds no subscription: a subscribe that reached it went on to its successor, so the
     * subscriber's later calls, which its client sends here in order, go on there too, behind it, and
     * from there along the same chain should the successor retire as well. A hub that passed no
     * subscribe on has no successor: there is nothing to end, and no hub is made for it.
     */
    private void forwardToSuccessor(Consumer<ListenerHub> call) {
        if (successor != null) {
            call.accept(successor);
        }
    }

    /** The hub this retired one passes calls to: the pool's current hub (made if none) at the first call. */
    private ListenerHub successor(EventLoop subscriberLoop) {
        if (successor == null) {
            successor = hubs.hubFor(pool, subscriberLoop);
        }
        return successor;
    }

    /** Rows for SHOW LISTENERS: one per channel. Must run on {@link #loop}. */
    List<ListenerView> views() {
        List<ListenerView> views = new ArrayList<>();
        String server = listener == null ? "" : listener.toString();
        for (Map.Entry<String, Set<NotificationSubscriber>> e : subscribers.entrySet()) {
            views.add(new ListenerView(pool.key().database(), pool.key().user(), e.getKey(), e.getValue().size(),
                    server, delivered));
        }
        return views;
    }

    EventLoop loop() {
        return loop;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public String toString() {
        return "listener for " + pool.key();
    }

    @Override
    protected void onWelcomeReady() {
        // Never logs in to the pool as a client does: it only borrows a server through findServer.
    }

    @Override
    protected void onServerAssigned(PooledServer assigned) {
        onLoop(() -> {
            ServerConnection server = (ServerConnection) assigned;
            if (retired) {
                pool.releaseServer(server); // untouched: nobody listens any more
                pool.clientClosed(this);
                return;
            }
            listener = server;
            log.info("{} listens on {}", this, server);
            while (!unsent.isEmpty()) {
                write(unsent.poll());
            }
        });
    }

    @Override
    protected void onWaitFailed(ErrorResponse error) {
        onLoop(() -> lost("no server for the listener: " + error.message()));
    }

    @Override
    public void serverMessage(ServerConnection server, ByteBuf frame) {
        if (loop.inEventLoop()) {
            onServerMessage(frame);
            return;
        }
        try {
            loop.execute(() -> onServerMessage(frame));
        } catch (RuntimeException rejected) {
            frame.release(); // shutting down: the task will never own it
        }
    }

    @Override
    public void serverClosed(ServerConnection server) {
        onLoop(() -> lost("the listener's server connection closed"));
    }

    private void onServerMessage(ByteBuf frame) {
        try {
            switch (PgFrames.type(frame)) {
                case MessageType.NOTIFICATION_RESPONSE -> dispatch(frame);
                case MessageType.READY_FOR_QUERY -> commandDone();
                case MessageType.ERROR_RESPONSE -> log.warn("{}: {} failed: {}", this,
                        inFlight.isEmpty() ? "?" : inFlight.peek().sql(),
                        ErrorResponse.parseBody(PgFrames.body(frame)).message());
                default -> {
                    // CommandComplete, notices: nothing to do
                }
            }
        } finally {
            frame.release();
        }
    }

    /** Each subscriber gets its own view of the frame, sharing the bytes; the frame itself stays ours. */
    private void dispatch(ByteBuf frame) {
        Set<NotificationSubscriber> set = subscribers.get(channelOf(frame));
        if (set == null) {
            return; // unsubscribed while it was on its way
        }
        dispatching = true;
        try {
            for (NotificationSubscriber subscriber : set) {
                subscriber.deliverNotification(frame.retainedDuplicate());
                delivered++;
                hubs.countDelivered();
            }
        } finally {
            dispatching = false;
        }
    }

    /** NotificationResponse: Int32 sender pid, String channel, String payload. */
    private static String channelOf(ByteBuf frame) {
        int start = frame.readerIndex() + PgFrames.HEADER_LENGTH + 4;
        int end = frame.indexOf(start, frame.writerIndex(), (byte) 0);
        return end < 0 ? "" : frame.toString(start, end - start, StandardCharsets.UTF_8);
    }

    private void commandDone() {
        Command done = inFlight.poll();
        if (done != null) {
            done.whenDone().forEach(Runnable::run);
        }
        if (retired && inFlight.isEmpty() && listener != null) {
            ServerConnection server = listener;
            listener = null;
            pool.releaseServer(server);
            pool.clientClosed(this);
        }
    }

    private void drop(NotificationSubscriber subscriber, String channel) {
        Set<NotificationSubscriber> set = subscribers.get(channel);
        if (set == null || !set.remove(subscriber) || !set.isEmpty()) {
            return;
        }
        subscribers.remove(channel);
        if (subscribers.isEmpty()) {
            retire();
        } else {
            send(new Command("UNLISTEN " + quoteIdentifier(channel), new ArrayList<>()));
        }
    }

    /** Nobody listens: UNLISTEN * and give the server back once it has answered. */
    private void retire() {
        retired = true;
        hubs.remove(this);
        if (listener == null) {
            unsent.clear();
            pool.clientClosed(this); // no longer waiting; a server already on its way is given back by onServerAssigned
            return;
        }
        send(new Command("UNLISTEN *", new ArrayList<>()));
    }

    /** The listener is gone: every subscriber may have missed notifications, so each is told. */
    private void lost(String reason) {
        if (!retired) {
            retired = true;
            hubs.remove(this);
        }
        listener = null;
        unsent.clear();
        inFlight.clear();
        for (NotificationSubscriber subscriber : channelsOf.keySet()) {
            subscriber.notificationsLost(reason);
        }
        channelsOf.clear();
        subscribers.clear();
        pool.clientClosed(this);
        log.info("{} ended: {}", this, reason);
    }

    private Command pendingListen(String channel) {
        String sql = "LISTEN " + quoteIdentifier(channel);
        for (Command c : inFlight) {
            if (c.sql().equals(sql)) {
                return c;
            }
        }
        for (Command c : unsent) {
            if (c.sql().equals(sql)) {
                return c;
            }
        }
        return null;
    }

    private void send(Command command) {
        if (listener == null) {
            unsent.add(command);
        } else {
            write(command);
        }
    }

    private void write(Command command) {
        inFlight.add(command);
        listener.channel().writeAndFlush(PgFrames.simpleQuery(listener.channel().alloc(), command.sql()));
    }

    private void onLoop(Runnable task) {
        if (!loop.inEventLoop()) {
            loop.execute(task);
        } else if (dispatching || queuedWhileDispatching > 0) {
            queuedWhileDispatching++;
            loop.execute(() -> {
                queuedWhileDispatching--;
                task.run();
            });
        } else {
            task.run();
        }
    }

    static String quoteIdentifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
