package io.pooler.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Loads a {@code pgbouncer.ini}-format file into a {@link PoolerConfig}.
 *
 * <p>Sections: {@code [pgbouncer]} (required, keys ignore case), {@code [databases]}, {@code [users]}, and
 * {@code [peers]} (PgBouncer 1.19+: {@code <peer_id> = host=... port=... pool_size=...}). Unknown sections and keys, malformed lines
 * and bad values stop loading with a {@link ConfigException} naming file, line and key; keys PgBouncer has but
 * Pooler does not act on yet load with one warning per key. Relative file names ({@code %include},
 * {@code auth_file}, {@code pidfile}, {@code logfile}) are resolved against the configuration file's
 * directory.
 */
public final class ConfigLoader {

    private static final String MAIN_SECTION = "pgbouncer";
    private static final Set<String> SECTIONS = Set.of(MAIN_SECTION, "databases", "users", "peers");
    /** The admin console's database; PgBouncer refuses it in {@code [databases]}. */
    private static final String ADMIN_DATABASE = "pgbouncer";

    private ConfigLoader() {
    }

    public static LoadedConfig load(Path ini) throws ConfigException {
        Path file = ini.toAbsolutePath().normalize();
        Loader loader = new Loader();
        IniParser.parse(file, loader);
        return loader.finish(file);
    }

    /** Routes each parsed line to its section's handling; lives for one load. */
    private static final class Loader implements IniParser.Handler {

        private final Warnings warnings = new Warnings();
        private final SettingsBuilder settings = new SettingsBuilder();
        private final Map<String, DatabaseEntry> databases = new LinkedHashMap<>();
        private final Map<String, UserEntry> users = new LinkedHashMap<>();
        private final Map<Integer, PeerEntry> peers = new java.util.TreeMap<>();
        private DatabaseEntry fallbackDatabase;
        private boolean sawMainSection;

        @Override
        public void section(SourceLine at, String name) throws ConfigException {
            if (!SECTIONS.contains(name)) {
                throw new ConfigException(at, "unknown section [" + name + "]");
            }
            sawMainSection |= name.equals(MAIN_SECTION);
        }

        @Override
        public void entry(SourceLine at, String section, String key, String value) throws ConfigException {
            switch (section) {
                case MAIN_SECTION -> settings.set(at, key, value, warnings);
                case "databases" -> addDatabase(at, key, value);
                case "users" -> addUser(at, key, value);
                case "peers" -> addPeer(at, key, value);
                default -> throw new IllegalStateException("section() lets only known sections through: " + section);
            }
        }

        private void addDatabase(SourceLine at, String name, String connectionString) throws ConfigException {
            if (name.equals(ADMIN_DATABASE)) {
                throw new ConfigException(at, "database name \"" + name + "\" is reserved for the admin console");
            }
            Map<String, Object> params = EntryParams.parse("databases", "database \"" + name + "\"",
                    connectionString, KeyRegistry::databaseKey, at, warnings);
            DatabaseEntry entry = new DatabaseEntry(name, params);
            if (entry.isFallback()) {
                fallbackDatabase = entry;
            } else {
                databases.put(name, entry);
            }
        }

        private void addUser(SourceLine at, String name, String settingsText) throws ConfigException {
            Map<String, Object> params = EntryParams.parse("users", "user \"" + name + "\"",
                    settingsText, KeyRegistry::userKey, at, warnings);
            users.put(name, new UserEntry(name, params));
        }

        /** PgBouncer's {@code parse_peer}: the key is the peer id, 1 to 65535; {@code host=} is required. */
        private void addPeer(SourceLine at, String key, String connectionString) throws ConfigException {
            int id;
            try {
                id = (int) ValueParsers.parseInteger(key, 1, 0xFFFF);
            } catch (InvalidValueException e) {
                throw new ConfigException(at, "ids of peers must be a number larger than 0 and at most 65535: \""
                        + key + "\"");
            }
            Map<String, Object> params = EntryParams.parse("peers", "peer " + id, connectionString,
                    KeyRegistry::peerKey, at, warnings);
            if (params.get("host") == null || ((String) params.get("host")).isEmpty()) {
                throw new ConfigException(at, "host was not provided for peer " + id);
            }
            peers.put(id, PeerEntry.of(id, params));
        }

        LoadedConfig finish(Path file) throws ConfigException {
            if (!sawMainSection) {
                // PgBouncer refuses such a file too ("main section missing from config file").
                throw new ConfigException(file, 0, "no [" + MAIN_SECTION + "] section");
            }
            PoolerConfig config = new PoolerConfig(settings.build(file), databases, fallbackDatabase, users, peers, file);
            return new LoadedConfig(config, warnings.toList());
        }
    }
}
