package io.pooler.server.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;

/**
 * Messages relayed to a peer during one read burst, flushed once at its end.
 *
 * <p>When the peer lives on this event loop each message is written straight away (a plain call);
 * when it lives on another loop the burst is gathered into one composite buffer and handed over with
 * a single write, so crossing threads costs one task per burst rather than one per message.
 *
 * <p>Owned by the event loop of the side that reads; not thread-safe.
 */
public final class OutboundBatch {
    private static final int MAX_COMPONENTS = 256;

    private Channel target;
    private CompositeByteBuf pending;
    private boolean written;

    /** Relays {@code message} (whose reference this takes over) to {@code peer}. */
    public void add(Channel peer, ByteBuf message) {
        if (target != peer) {
            flush();
            target = peer;
        }
        if (peer.eventLoop().inEventLoop()) {
            peer.write(message, peer.voidPromise());
            written = true;
            return;
        }
        if (pending == null) {
            pending = peer.alloc().compositeBuffer(MAX_COMPONENTS);
        }
        pending.addComponent(true, message);
        if (pending.numComponents() >= MAX_COMPONENTS) {
            peer.write(pending, peer.voidPromise());
            pending = null;
            written = true;
        }
    }

    /** Ends the burst: one flush (and, across loops, one write). */
    public void flush() {
        Channel peer = target;
        if (peer == null) {
            return;
        }
        if (pending != null) {
            peer.writeAndFlush(pending, peer.voidPromise());
            pending = null;
        } else if (written) {
            peer.flush();
        }
        written = false;
        target = null;
    }

    /** Drops anything gathered and not yet written (the peer went away). */
    public void discard() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
        written = false;
        target = null;
    }
}
