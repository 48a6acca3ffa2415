package io.pooler.stats;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** How many errors of each {@link ErrorKind} the pooler has sent; thread-safe. */
public final class ErrorCounters {
    private final Map<ErrorKind, LongAdder> counts = new EnumMap<>(ErrorKind.class);

    public ErrorCounters() {
        for (ErrorKind kind : ErrorKind.values()) {
            counts.put(kind, new LongAdder());
        }
    }

    public void count(ErrorKind kind) {
        counts.get(kind).increment();
    }

    public long get(ErrorKind kind) {
        return counts.get(kind).sum();
    }
}
