package io.pooler.protocol;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * An intern table of clients' session parameter maps (client_encoding, DateStyle, TimeZone,
 * application_name, ...). Most clients send the same values, so instead of a map of its own each
 * client holds the one immutable map every client with the same values holds; a value that changes
 * (a SET, a reset) gives the client another interned map, copy on write. Names and values are interned
 * too.
 *
 * <p>{@code application_name} is the one value that is often a client's own (Odoo sends
 * {@code odoo-<pid>}), so a map with it is a small immutable pair of the interned map of the other
 * values and the client's name, not itself interned: a client with a name of its own costs that pair
 * (24 bytes) and its name string, and shares everything else; the name is not interned either, as it is
 * seldom anyone else's.
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

    /** The parameter whose value is often a client's own; see the class comment. */
    static final String APPLICATION_NAME = "application_name";

    /**
     * An immutable map equal to {@code parameters}: the one every caller with equal parameters gets, or
     * with an {@code application_name}, a pair of its value and that shared map of the others.
     */
    public Map<String, String> intern(Map<String, String> parameters) {
        String applicationName = parameters.get(APPLICATION_NAME);
        if (applicationName == null) {
            return internShared(parameters);
        }
        Map<String, String> others = new HashMap<>(parameters);
        others.remove(APPLICATION_NAME);
        return new WithApplicationName(internShared(others), applicationName);
    }

    /** A name or value used in many places (a user name, a database name), interned like the maps' strings. */
    public String intern(String value) {
        return strings.intern(value);
    }

    private Map<String, String> internShared(Map<String, String> parameters) {
        if (parameters.isEmpty()) {
            return Map.of();
        }
        Map<String, String> known = maps.find(parameters);
        if (known != null) {
            return known; // the usual case, most clients sending the same values: no copy made
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

    /**
     * True when two maps this table handed out hold the same values, told without comparing them entry
     * by entry: the same interned map, or the same interned map of the other values with equal
     * application_names. False may still mean equal values (a map not from this table); it only costs
     * the caller a full comparison.
     */
    public static boolean sameValues(Map<String, String> a, Map<String, String> b) {
        if (a == b) {
            return true;
        }
        return a instanceof WithApplicationName x && b instanceof WithApplicationName y
                && x.others == y.others && x.applicationName.equals(y.applicationName);
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
     * An interned map of shared values plus one {@code application_name}: immutable, and equal to (and
     * with the hash of) any map with the same entries. NOTE: a {@link Map} of its own rather than an
     * {@code AbstractMap}, whose two cached views would add 8 bytes to each client's two maps.
     */
    static final class WithApplicationName implements Map<String, String> {
        private final Map<String, String> others;
        private final String applicationName;

        WithApplicationName(Map<String, String> others, String applicationName) {
            this.others = others;
            this.applicationName = applicationName;
        }

        @Override
        public int size() {
            return others.size() + 1;
        }

        @Override
        public boolean isEmpty() {
            return false;
        }

        @Override
        public String get(Object name) {
            return APPLICATION_NAME.equals(name) ? applicationName : others.get(name);
        }

        @Override
        public boolean containsKey(Object name) {
            return APPLICATION_NAME.equals(name) || others.containsKey(name);
        }

        @Override
        public boolean containsValue(Object value) {
            return applicationName.equals(value) || others.containsValue(value);
        }

        @Override
        public void forEach(BiConsumer<? super String, ? super String> action) {
            action.accept(APPLICATION_NAME, applicationName);
            others.forEach(action);
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            return view().entrySet();
        }

        @Override
        public Set<String> keySet() {
            return view().keySet();
        }

        @Override
        public Collection<String> values() {
            return view().values();
        }

        /** The entries as a map of Java's, for the views: made on use, as only SHOW and tests iterate. */
        private Map<String, String> view() {
            Map<String, String> all = new HashMap<>(others);
            all.put(APPLICATION_NAME, applicationName);
            return Collections.unmodifiableMap(all);
        }

        @Override
        public boolean equals(Object other) {
            if (other == this) {
                return true;
            }
            if (!(other instanceof Map<?, ?> map) || map.size() != size()) {
                return false;
            }
            for (Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String name) || !Objects.equals(e.getValue(), get(name))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return others.hashCode() + (APPLICATION_NAME.hashCode() ^ applicationName.hashCode());
        }

        @Override
        public String toString() {
            return view().toString();
        }

        @Override
        public String put(String name, String value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String remove(Object name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void putAll(Map<? extends String, ? extends String> map) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void clear() {
            throw new UnsupportedOperationException();
        }
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

        /** The instance held equal to {@code value} (of any class whose equals and hashCode agree with T's), or null. */
        T find(Object value) {
            expungeCollected();
            WeakKey<T> known = table.get(new Probe(value));
            return known == null ? null : known.get();
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
