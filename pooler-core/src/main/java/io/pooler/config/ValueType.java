package io.pooler.config;

/** How a configuration value is written and parsed. */
public enum ValueType {
    /** An integer as C's {@code strtol(value, NULL, 0)} reads it: decimal, {@code 0x} hex or leading-zero octal. */
    INT,
    /** {@code 0/1}, {@code yes/no}, {@code on/off}, {@code true/false}. */
    BOOL,
    /** Seconds as a decimal number, fractions allowed ({@code 5.0}, {@code 0.5}); PgBouncer has no unit suffixes. */
    SECONDS,
    /** Free text, taken verbatim: PgBouncer strips no quotes from {@code [pgbouncer]} values. */
    STRING,
    /** Names separated by commas and/or spaces. */
    LIST,
    /** One of a fixed set of names, case-insensitive. */
    ENUM
}
