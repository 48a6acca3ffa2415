package io.pooler.server.client;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A client's messages waiting for a server, in order: a queue that holds its {@link ArrayDeque} only
 * while something waits. Most clients are idle most of the time, and a queue of their own would cost
 * each of them 48 bytes for nothing; this costs 16, and one small allocation each time messages wait.
 *
 * <p>Threads: the client's event loop only.
 */
final class PendingMessages {
    private ArrayDeque<Object> queue;

    boolean isEmpty() {
        return queue == null;
    }

    void add(Object msg) {
        if (queue == null) {
            queue = new ArrayDeque<>(4);
        }
        queue.add(msg);
    }

    /** The oldest message, or null when none waits. */
    Object poll() {
        if (queue == null) {
            return null;
        }
        Object msg = queue.poll();
        if (queue.isEmpty()) {
            queue = null;
        }
        return msg;
    }

    void forEach(Consumer<Object> action) {
        if (queue != null) {
            queue.forEach(action);
        }
    }

    void clear() {
        queue = null;
    }
}
