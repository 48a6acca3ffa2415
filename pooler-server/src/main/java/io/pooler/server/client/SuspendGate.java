package io.pooler.server.client;

import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * The messages one client sent while the pooler was suspended (SUSPEND): held, with reading from its
 * socket stopped, until RESUME lets them through in order. Holding them before the client's session
 * sees them means no protocol code has to know about suspension. Connections to the admin console are
 * never held, as in PgBouncer, so RESUME can reach the pooler.
 *
 * <p>NOTE: a gate exists only while it holds something, and only then does the {@link Suspension} know
 * it: an idle client, or any client while the pooler is not suspended, costs nothing here.
 *
 * <p>Threads: owned by the channel's event loop; {@link #release} hops onto it.
 */
public final class SuspendGate {
    /** Where held messages go once released; the client's channel handler. */
    public interface Receiver {
        /** One held message, in the order it was read. */
        void releasedMessage(Object msg);

        /** The end of the released messages; the gate is gone. */
        void releasedAll();
    }

    private final Suspension suspension;
    private final Channel channel;
    private final Receiver receiver;
    private ArrayDeque<Object> held = new ArrayDeque<>();

    private SuspendGate(Suspension suspension, Channel channel, Receiver receiver) {
        this.suspension = suspension;
        this.channel = channel;
        this.receiver = receiver;
    }

    /** Opens a gate for a client whose first message must be held; it registers for RESUME. */
    static SuspendGate open(Suspension suspension, Channel channel, Receiver receiver) {
        SuspendGate gate = new SuspendGate(suspension, channel, receiver);
        suspension.holding(gate);
        // The caller saw the pooler suspended, but RESUME (on another thread) may have cleared the mode
        // and passed over the gates since, before this one was among them. RESUME clears the mode before
        // its pass and this checks it after registering, so one of the two releases the gate (a second
        // release finds nothing held and does nothing). The release runs on this loop after the caller
        // has held its message.
        if (!suspension.isSuspended()) {
            gate.release();
        }
        return gate;
    }

    /** Holds {@code msg} (the gate owns it now) and stops reading. */
    void hold(Object msg) {
        held.add(msg);
        channel.config().setAutoRead(false);
    }

    /** The channel closed: what was held is released unread. On the channel's loop. */
    void discard() {
        suspension.released(this);
        ArrayDeque<Object> messages = held;
        held = null;
        if (messages != null) {
            messages.forEach(ReferenceCountUtil::release);
        }
    }

    /** RESUME: passes on what was held and reads again. Any thread; once the gate is released, a no-op. */
    public void release() {
        channel.eventLoop().execute(() -> {
            ArrayDeque<Object> messages = held;
            if (messages == null || !channel.isActive()) {
                return; // discarded when the channel closed
            }
            held = null;
            suspension.released(this);
            while (!messages.isEmpty()) {
                receiver.releasedMessage(messages.poll());
            }
            receiver.releasedAll();
            channel.config().setAutoRead(true);
        });
    }
}
