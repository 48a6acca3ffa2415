package io.pooler.config;

/**
 * One SHOW CONFIG row. {@code value} and {@code defaultValue} are {@code null} where PgBouncer sends NULL:
 * a text key that is not set, and keys whose PgBouncer default is not set.
 *
 * @param changeable whether a reload or SET may change it (the {@code changeable} column: yes/no)
 */
public record ConfigValue(String key, String value, String defaultValue, boolean changeable) {
}
