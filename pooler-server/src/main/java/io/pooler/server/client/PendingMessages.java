package io.pooler.server.client;

import io.pooler.protocol.FramePart;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A client's messages waiting for a server, in order, and how many bytes they hold: a queue that holds
 * its {@link ArrayDeque} only while something waits. Most clients are idle most of the time, and a
 * queue of their own would cost each of them 48 bytes for nothing; this costs 16, and one small
 * allocation each time messages wait.
 *
 * <p>Threads: the client's event loop only.
 */
final class PendingMessages {
    private Waiting waiting;

    /** The messages of one wait, their bytes, and how many of those are counted in the {@link WaitingBudget}. */
    private static final class Waiting {
        final ArrayDeque<Object> messages = new ArrayDeque<>(4);
        long bytes;
        long counted;
    }

    boolean isEmpty() {
        return waiting == null;
    }

    /** Queues {@code msg}, a whole frame or a {@link FramePart}. */
    void add(Object msg) {
        if (waiting == null) {
            waiting = new Waiting();
        }
        waiting.messages.add(msg);
        waiting.bytes += FramePart.bytesOf(msg).readableBytes();
    }

    /** The bytes of the messages waiting. */
    long bytes() {
        return waiting == null ? 0 : waiting.bytes;
    }

    /** The bytes waiting that are not yet counted in the {@link WaitingBudget}. */
    long uncounted() {
        return waiting == null ? 0 : waiting.bytes - waiting.counted;
    }

    /** {@code bytes} more of those waiting are now counted in the budget. */
    void counted(long bytes) {
        if (waiting != null) {
            waiting.counted += bytes;
        }
    }

    /** The bytes counted in the budget, which are no longer counted here: give them back to it. */
    long takeCounted() {
        if (waiting == null) {
            return 0;
        }
        long counted = waiting.counted;
        waiting.counted = 0;
        return counted;
    }

    /** The oldest message, or null when none waits. */
    Object poll() {
        if (waiting == null) {
            return null;
        }
        Object msg = waiting.messages.poll();
        waiting.bytes -= FramePart.bytesOf(msg).readableBytes();
        if (waiting.messages.isEmpty()) {
            waiting = null;
        }
        return msg;
    }

    void forEach(Consumer<Object> action) {
        if (waiting != null) {
            waiting.messages.forEach(action);
        }
    }

    void clear() {
        waiting = null;
    }
}
