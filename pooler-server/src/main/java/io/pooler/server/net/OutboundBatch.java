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
    /**
     * Bytes {@code [rangeStart, rangeEnd)} of {@code rangeOf}, relayed as they are and not yet written: a
     * range that the next one continues is joined to it, so the messages of a reply that go through
     * unchanged cost one write. Written before anything else is, so the order is the order of the calls.
     */
    private ByteBuf rangeOf;
    private int rangeStart;
    private int rangeEnd;

    /** Relays {@code message} (whose reference this takes over) to {@code peer}. */
    public void add(Channel peer, ByteBuf message) {
        assert peer.eventLoop().inEventLoop() : peer + " is on another event loop";
        makeWayFor(peer);
        peer.write(message, peer.voidPromise());
    }

    /**
     * Relays bytes {@code [from, to)} of {@code messages}, which stays the caller's: it calls {@link #endRange}
     * before it lets {@code messages} go. Joined to the range before when it continues it.
     */
    public void addRange(Channel peer, ByteBuf messages, int from, int to) {
        assert peer.eventLoop().inEventLoop() : peer + " is on another event loop";
        if (target == peer && rangeOf == messages && rangeEnd == from) {
            rangeEnd = to;
            return;
        }
        makeWayFor(peer);
        rangeOf = messages;
        rangeStart = from;
        rangeEnd = to;
    }

    /** What comes before a new write to {@code peer}: another target's writes flushed, or this target's range written. */
    private void makeWayFor(Channel peer) {
        if (target != peer) {
            flush();
            target = peer;
        } else {
            writeRange();
        }
    }

    /** Writes the range not yet written, taking its own reference: its buffer's owner may release it now. */
    public void endRange() {
        writeRange();
    }

    private void writeRange() {
        ByteBuf messages = rangeOf;
        if (messages == null) {
            return;
        }
        rangeOf = null;
        ByteBuf bytes = rangeStart == messages.readerIndex() && rangeEnd == messages.writerIndex()
                ? messages.retain() // all of it: no slice needed
                : messages.retainedSlice(rangeStart, rangeEnd - rangeStart);
        target.write(bytes, target.voidPromise());
    }

    /** Ends the burst: one flush of what was written. */
    public void flush() {
        Channel peer = target;
        if (peer != null) {
            writeRange();
            target = null;
            peer.flush();
        }
    }

    /** Forgets the target without flushing (the peer went away; Netty releases what it holds). */
    public void discard() {
        rangeOf = null;
        target = null;
    }
}
