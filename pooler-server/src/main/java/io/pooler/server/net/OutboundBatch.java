package io.pooler.server.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * Messages relayed to a peer during one read burst, flushed once at its end: each message is written
 * at once (a plain call, as the peer lives on this event loop) and the peer is flushed when the burst
 * ends or the target changes, so a burst costs one {@code send} or {@code writev}.
 *
 * <p>A linked client and server always share an event loop ({@code PoolShard.link} asserts it), so
 * this class never crosses threads; the assertion below says so where a message is handed over.
 *
 * <p>Owned by the event loop of the side that reads; not thread-safe.
 */
public final class OutboundBatch {
    private Channel target;

    /** Relays {@code message} (whose reference this takes over) to {@code peer}. */
    public void add(Channel peer, ByteBuf message) {
        assert peer.eventLoop().inEventLoop() : peer + " is on another event loop";
        if (target != peer) {
            flush();
            target = peer;
        }
        peer.write(message, peer.voidPromise());
    }

    /** Ends the burst: one flush of what was written. */
    public void flush() {
        Channel peer = target;
        if (peer != null) {
            target = null;
            peer.flush();
        }
    }

    /** Forgets the target without flushing (the peer went away; Netty releases what it holds). */
    public void discard() {
        target = null;
    }
}
