package io.pooler.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Collects {@code [pgbouncer]} lines into {@link Settings}; the last value of a repeated key wins. */
final class SettingsBuilder {

    private final Map<String, Object> values = new HashMap<>();
    private final Map<String, String> shown = new HashMap<>();

    void set(SourceLine at, String name, String value, Warnings warnings) throws ConfigException {
        ConfigKey key = KeyRegistry.pgbouncerKey(name)
                .orElseThrow(() -> new ConfigException(at, "unknown key \"" + name + "\" in [pgbouncer]"));
        Object parsed;
        try {
            parsed = ValueParsers.parse(key, value);
        } catch (InvalidValueException e) {
            throw new ConfigException(at, "invalid value \"" + value + "\" for key \"" + key.name() + "\": " + e.reason());
        }
        if (key.name().equals("auth_dbname") && "pgbouncer".equals(parsed)) {
            // PgBouncer's cf_set_authdb: the admin console's virtual database runs no auth_query.
            throw new ConfigException(at, "cannot use the reserved \"pgbouncer\" database as an auth_dbname");
        }
        if (!key.supported()) {
            warnings.once("pgbouncer/" + key.name(), at, "key \"" + key.name() + "\" is not supported yet and is ignored");
        }
        // Kept even when unsupported: SHOW CONFIG shows it, and it takes effect once the key is supported.
        values.put(key.name(), parsed);
        shown.put(key.name(), ValueFormat.show(key, parsed, value));
    }

    /** Fills in PgBouncer's defaults for every key not set. */
    Settings build(Path sourceFile) {
        for (ConfigKey key : KeyRegistry.pgbouncerKeys()) {
            if (!values.containsKey(key.name())) {
                setDefault(key, sourceFile);
            }
        }
        return new Settings(values, shown, sourceFile.getParent());
    }

    private void setDefault(ConfigKey key, Path sourceFile) {
        if (key.name().equals("conffile")) {
            // PgBouncer fills this from the command line: it shows the file that was loaded.
            put(key, sourceFile.toString());
        } else if (key.defaultValue() != null) {
            put(key, key.defaultValue());
        } else if (key.type() == ValueType.INT) {
            // A C global without a default string starts at 0 (verbose).
            put(key, "0");
        } else {
            values.put(key.name(), null);
            shown.put(key.name(), null);
        }
    }

    private void put(ConfigKey key, String value) {
        try {
            Object parsed = ValueParsers.parse(key, value);
            values.put(key.name(), parsed);
            shown.put(key.name(), ValueFormat.show(key, parsed, value));
        } catch (InvalidValueException e) {
            throw new IllegalStateException("default of " + key.name() + " does not parse: " + e.reason(), e);
        }
    }
}
