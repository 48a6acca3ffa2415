package io.pooler.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Parses the value of one {@code [databases]} or {@code [users]} entry into typed parameters, checking each
 * key against its table in {@link KeyRegistry}. Unknown keys and bad values stop loading; known keys Pooler
 * does not act on yet are kept out of the result and warned about once per key.
 */
final class EntryParams {

    private EntryParams() {
    }

    /**
     * @param section  the section name, for messages ({@code databases})
     * @param entry    what the entry is, for messages ({@code database "app"})
     * @param lookup   finds a key of this section by name or alias
     * @return canonical key name to parsed value (see {@link ValueParsers#parse}); the last of repeated keys wins
     */
    static Map<String, Object> parse(String section, String entry, String value,
                                     Function<String, Optional<ConfigKey>> lookup,
                                     SourceLine at, Warnings warnings) throws ConfigException {
        Map<String, Object> params = new HashMap<>();
        try {
            for (ConnectionStringParser.Pair pair : ConnectionStringParser.parse(value)) {
                ConfigKey key = lookup.apply(pair.key()).orElseThrow(() -> new ConfigException(at,
                        entry + ": unknown key \"" + pair.key() + "\" in [" + section + "]"));
                Object parsed = parseValue(entry, key, pair.value(), at);
                if (key.supported()) {
                    params.put(key.name(), parsed);
                } else {
                    warnings.once(section + "/" + key.name(), at,
                            "key \"" + key.name() + "\" in [" + section + "] is not supported yet and is ignored");
                }
            }
        } catch (InvalidValueException e) {
            throw new ConfigException(at, entry + ": " + e.reason());
        }
        return params;
    }

    private static Object parseValue(String entry, ConfigKey key, String value, SourceLine at) throws ConfigException {
        try {
            return ValueParsers.parse(key, value);
        } catch (InvalidValueException e) {
            throw new ConfigException(at, entry + ": invalid value \"" + value + "\" for key \"" + key.name()
                    + "\": " + e.reason());
        }
    }
}
