package io.pooler.protocol;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * An intern table of clients' session parameter maps (client_encoding, DateStyle, TimeZone,
 * application_name, ...). Most clients send the same values, so instead of a map of its own each
 * client holds the one immutable map every client with the same values holds; a value that changes
 * (a SET, a reset) gives the client another interned map, copy on write. Names and values are interned
 * too, so a client whose map is its own (Odoo's {@code application_name = odoo-<pid>}) still shares
 * {@code "UTF8"} and {@code "ISO, MDY"} with everyone else.
 *
 * <p>NOTE: the table holds maps and strings weakly, as {@code StatementRegistry} holds statements: an
 * entry lives while a client holds it and is forgotten after, so ever new values (one
 * application_name per worker pid, restarted workers) do not grow the table for good.
 *
 * <p>Threads: any. The maps handed out are immutable; the table is concurrent.
 */
public final class ParameterMaps {
    private final WeakInterner<Map<String, String>> maps = new WeakInterner<>();
    private final WeakInterner<String> strings = new WeakInterner<>();

    /** The immutable map equal to {@code parameters} that every caller with equal parameters gets. */
    public Map<String, String> intern(Map<String, String> parameters) {
        if (parameters.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new HashMap<>(parameters.size() * 2);
        parameters.forEach((name, value) -> copy.put(strings.intern(name), strings.intern(value)));
        return maps.intern(Map.copyOf(copy));
    }

    /** {@code parameters} with {@code name} set to {@code value}, interned; the same map when nothing changes. */
    public Map<String, String> with(Map<String, String> parameters, String name, String value) {
        if (value.equals(parameters.get(name))) {
            return parameters;
        }
        Map<String, String> changed = new HashMap<>(parameters);
        changed.put(name, value);
        return intern(changed);
    }

    /** Distinct maps held by some client now; for SHOW MEM. */
    public int distinctMaps() {
        return maps.size();
    }

    /** Distinct names and values held in those maps; for SHOW MEM. */
    public int distinctStrings() {
        return strings.size();
    }

    /** Characters of those names and values; for SHOW MEM. */
    public long stringChars() {
        return strings.sum(String::length);
    }

    /**
     * One instance per distinct value while something holds it. The table's keys are weak references
     * that remember their value's hash (as in {@code WeakHashMap}); a lookup compares a {@link Probe}
     * holding the value asked for with them.
     */
    static final class WeakInterner<T> {
        private final ConcurrentHashMap<Object, WeakKey<T>> table = new ConcurrentHashMap<>();
        private final ReferenceQueue<T> collected = new ReferenceQueue<>();

        private static final class WeakKey<T> extends WeakReference<T> {
            private final int hash;

            WeakKey(T value, ReferenceQueue<T> queue) {
                super(value, queue);
                this.hash = value.hashCode();
            }

            @Override
            public int hashCode() {
                return hash;
            }

            @Override
            public boolean equals(Object other) {
                if (other == this) {
                    return true;
                }
                T value = get();
                return value != null && other instanceof WeakKey<?> key && value.equals(key.get());
            }
        }

        /** What a lookup passes: equal to the weak key of an equal value still alive. */
        private record Probe(Object value) {
            @Override
            public int hashCode() {
                return value.hashCode();
            }

            @Override
            public boolean equals(Object other) {
                return other instanceof WeakKey<?> key && value.equals(key.get());
            }
        }

        T intern(T value) {
            expungeCollected();
            while (true) {
                WeakKey<T> known = table.get(new Probe(value));
                T held = known == null ? null : known.get();
                if (held != null) {
                    return held;
                }
                if (known != null) {
                    table.remove(known, known); // cleared between the lookup and now
                    continue;
                }
                WeakKey<T> fresh = new WeakKey<>(value, collected);
                if (table.putIfAbsent(fresh, fresh) == null) {
                    return value;
                }
            }
        }

        int size() {
            expungeCollected();
            return table.size();
        }

        long sum(ToLongFunction<T> measure) {
            long total = 0;
            for (WeakKey<T> key : table.values()) {
                T value = key.get();
                if (value != null) {
                    total += measure.applyAsLong(value);
                }
            }
            return total;
        }

        private void expungeCollected() {
            for (Reference<? extends T> ref; (ref = collected.poll()) != null; ) {
                table.remove(ref, ref);
            }
        }
    }
}
