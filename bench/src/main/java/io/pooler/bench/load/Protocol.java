package io.pooler.bench.load;

/** How a client sends its statements. */
public enum Protocol {
    /** One Query message per statement, values written into the SQL (pgbench {@code -M simple}). */
    SIMPLE,
    /**
     * Each statement parsed once per connection as a named prepared statement, then Bind, Execute and
     * Sync per use (pgbench {@code -M prepared}).
     */
    PREPARED
}
