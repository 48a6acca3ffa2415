package io.pooler.server.listen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;

/**
 * A client that listens through a {@link ListenerHub}. The hub calls these from its own loop; the
 * client hops to {@link #eventLoop()} itself.
 */
public interface NotificationSubscriber {
    EventLoop eventLoop();

    /**
     * One NotificationResponse frame, exactly as PostgreSQL sent it (sender's pid, channel, payload);
     * the subscriber owns it and writes or releases it. Frames come in PostgreSQL's order.
     */
    void deliverNotification(ByteBuf frame);

    /** The listener connection ended: notifications may have been missed. */
    void notificationsLost(String reason);
}
