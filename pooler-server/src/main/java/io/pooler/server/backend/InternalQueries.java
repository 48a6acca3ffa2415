package io.pooler.server.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The queries the pooler runs on a server for itself: server_reset_query, server_check_query, and
 * the SETs that bring the session in line with a client's parameters. They are answered like any
 * query; their replies are swallowed up to and including their ReadyForQuery.
 *
 * <p>Threads: sent from the client's loop (SET) or the server's (reset, check); replies on the
 * server's loop. The count is atomic so both see it.
 */
final class InternalQueries {
    private static final Logger log = LoggerFactory.getLogger(InternalQueries.class);

    private final AtomicInteger running = new AtomicInteger();
    /** An internal query failed: the server is closed rather than reused. Server's loop. */
    private boolean failed;

    /**
     * Counts a query whose replies nobody sees and returns its frame, which the caller owns and must
     * write before any client message that must follow it (and flush, with them).
     */
    ByteBuf frame(Channel channel, String sql) {
        running.incrementAndGet();
        return PgFrames.simpleQuery(channel.alloc(), sql);
    }

    /** Replies are being swallowed. */
    boolean running() {
        return running.get() > 0;
    }

    /** A reply before the ReadyForQuery: swallowed, an error remembered. The caller releases it. */
    void handleReply(Object server, byte type, ByteBuf frame) {
        if (type == MessageType.ERROR_RESPONSE) {
            failed = true;
            log.warn("{} internal query failed: {}", server, ErrorResponse.parseBody(PgFrames.body(frame)));
        }
    }

    /** The ReadyForQuery of one internal query; true when it was the last one running. */
    boolean finished() {
        return running.decrementAndGet() == 0;
    }

    /** A reset or check query failed since the server was connected. */
    boolean failed() {
        return failed;
    }
}
