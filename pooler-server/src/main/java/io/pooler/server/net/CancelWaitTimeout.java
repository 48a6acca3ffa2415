package io.pooler.server.net;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * PgBouncer's cancel_wait_timeout for a connection that carries a cancel request, to PostgreSQL or to a
 * {@code [peers]} instance: not done within it, the cancel is given up and its connection closed, whether
 * the connect, a TLS handshake or the far end's close is what it waits for. 0 sets no limit, as PgBouncer
 * documents (the connect is still bounded by server_connect_timeout).
 *
 * <p>NOTE: it counts from before the connect. Counted from the connect on, a PostgreSQL or peer whose
 * traffic is dropped held the cancel (and its server in sv_being_canceled) for server_connect_timeout.
 * Closing a channel whose connect is under way fails the connect.
 */
public final class CancelWaitTimeout {
    private CancelWaitTimeout() {
    }

    /**
     * Closes {@code cancel} once {@code limit} has passed, unless it closed first; {@code onGiveUp} runs
     * just before that close. Call it as the connect starts, on {@code loop}, the channel's event loop.
     */
    public static void giveUpAfter(EventLoop loop, Channel cancel, Duration limit, Runnable onGiveUp) {
        long millis = limit.toMillis();
        if (millis <= 0) {
            return;
        }
        ScheduledFuture<?> giveUp = loop.schedule(() -> {
            onGiveUp.run();
            cancel.close();
        }, millis, TimeUnit.MILLISECONDS);
        cancel.closeFuture().addListener(closed -> giveUp.cancel(false));
    }
}
