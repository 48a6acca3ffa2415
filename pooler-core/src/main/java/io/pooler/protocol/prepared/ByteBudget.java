package io.pooler.protocol.prepared;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes kept, bounded: one atomic counter shared by all loops. {@link #take} never goes past the bound,
 * even for a moment, so one holder's refusal cannot make another's fail; {@link #takeAnyway} does, for
 * the one caller that must keep what it was given and repairs the excess itself (ServerStatements).
 */
public final class ByteBudget {
    private final long limit;
    private final AtomicLong kept = new AtomicLong();

    public ByteBudget(long limit) {
        this.limit = limit;
    }

    /** Counts {@code bytes} more kept, unless that would take the count past the bound: then counts nothing and returns false. */
    public boolean take(long bytes) {
        long now;
        do {
            now = kept.get();
            if (now + bytes > limit) {
                return false;
            }
        } while (!kept.compareAndSet(now, now + bytes));
        return true;
    }

    /** Counts {@code bytes} more kept, past the bound if need be. */
    public void takeAnyway(long bytes) {
        kept.addAndGet(bytes);
    }

    /** {@code bytes} counted before are no longer kept. */
    public void giveBack(long bytes) {
        if (bytes != 0) {
            kept.addAndGet(-bytes);
        }
    }

    public long kept() {
        return kept.get();
    }

    public long limit() {
        return limit;
    }
}
