package io.pooler.config;

import java.util.List;

/**
 * One configuration key: its name, how its value is parsed, PgBouncer's default, whether a RELOAD may change
 * it, and whether Pooler acts on it yet.
 *
 * @param name         the key as PgBouncer spells it
 * @param type         how the value is parsed
 * @param defaultValue PgBouncer's default as written in its key table, or {@code null} where PgBouncer has
 *                     none (SHOW CONFIG then shows NULL); unused for {@code [databases]} and {@code [users]} keys
 * @param changeable   {@code true} if a reload applies a new value (SHOW CONFIG's {@code changeable} column)
 * @param supported    {@code true} if Pooler acts on the value; other keys are parsed, kept and warned about
 * @param min          smallest allowed value of an {@link ValueType#INT} key
 * @param max          largest allowed value of an {@link ValueType#INT} key
 * @param choices      the allowed values of an {@link ValueType#ENUM} key, in PgBouncer's spelling
 */
public record ConfigKey(String name, ValueType type, String defaultValue, boolean changeable, boolean supported,
                        long min, long max, List<String> choices) {

    public ConfigKey {
        choices = List.copyOf(choices);
    }

    ConfigKey range(long newMin, long newMax) {
        return new ConfigKey(name, type, defaultValue, changeable, supported, newMin, newMax, choices);
    }
}
