package io.pooler.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A whole configuration file as one immutable snapshot: settings, databases and users. A reload builds a new
 * snapshot; one is safe to share between threads.
 */
public final class PoolerConfig {

    private final Settings settings;
    private final Map<String, DatabaseEntry> databases;
    private final DatabaseEntry fallbackDatabase;
    private final Map<String, UserEntry> users;
    private final Map<Integer, PeerEntry> peers;
    private final Path sourceFile;

    PoolerConfig(Settings settings, Map<String, DatabaseEntry> databases, DatabaseEntry fallbackDatabase,
                 Map<String, UserEntry> users, Path sourceFile) {
        this(settings, databases, fallbackDatabase, users, Map.of(), sourceFile);
    }

    PoolerConfig(Settings settings, Map<String, DatabaseEntry> databases, DatabaseEntry fallbackDatabase,
                 Map<String, UserEntry> users, Map<Integer, PeerEntry> peers, Path sourceFile) {
        this.settings = settings;
        this.databases = Collections.unmodifiableMap(new LinkedHashMap<>(databases));
        this.fallbackDatabase = fallbackDatabase;
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
        this.peers = Collections.unmodifiableMap(new java.util.TreeMap<>(peers));
        this.sourceFile = sourceFile;
    }

    public Settings settings() {
        return settings;
    }

    /** The same config with other settings (the admin console's SET); databases and users stay. */
    public PoolerConfig withSettings(Settings newSettings) {
        return new PoolerConfig(newSettings, databases, fallbackDatabase, users, peers, sourceFile);
    }

    /** The {@code [databases]} entries in file order, without the {@code *} fallback. */
    public Map<String, DatabaseEntry> databases() {
        return databases;
    }

    /** The {@code *} entry, used for database names that have no entry of their own. */
    public Optional<DatabaseEntry> fallbackDatabase() {
        return Optional.ofNullable(fallbackDatabase);
    }

    /**
     * The entry a client asking for {@code name} gets: its own entry; else the {@code *} fallback named
     * {@code name}, connecting to database {@code name} unless the fallback sets {@code dbname=}; else empty.
     * Names are case-sensitive, as in PgBouncer.
     */
    public Optional<DatabaseEntry> findDatabase(String name) {
        DatabaseEntry exact = databases.get(name);
        if (exact != null) {
            return Optional.of(exact);
        }
        return fallbackDatabase().map(fallback -> fallback.forRequestedName(name));
    }

    /** The {@code [users]} entries in file order. */
    public Map<String, UserEntry> users() {
        return users;
    }

    /**
     * The {@code [peers]} entries by peer id, in id order, this process's own id included if listed (it is
     * allowed, so every member of a group can share one section; it is never forwarded to).
     */
    public Map<Integer, PeerEntry> peers() {
        return peers;
    }

    /** The main configuration file, absolute. */
    public Path sourceFile() {
        return sourceFile;
    }

    /**
     * Every {@code [pgbouncer]} key in PgBouncer's order, for SHOW CONFIG. Passwords inside values are
     * masked ({@link SecretMask}); database passwords are never listed, as in PgBouncer.
     */
    public List<ConfigValue> showConfig() {
        return KeyRegistry.pgbouncerKeys().stream()
                .map(key -> new ConfigValue(key.name(), SecretMask.mask(settings.raw(key.name())),
                        key.defaultValue(), key.changeable()))
                .toList();
    }
}
