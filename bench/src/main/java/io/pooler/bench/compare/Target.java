package io.pooler.bench.compare;

import java.util.OptionalLong;

/** Something the clients connect to: PostgreSQL itself, or a pooler in front of it. */
public interface Target extends AutoCloseable {

    /** Short name for files: {@code direct}, {@code pgbouncer}, {@code pooler}. */
    String key();

    /** Name and version, for the table. */
    String name();

    boolean supports(Scenario scenario);

    /** Starts it configured for {@code scenario}, stopping whatever ran for the previous one. */
    void start(Scenario scenario) throws Exception;

    int port();

    /** The process whose CPU time and memory are this target's cost; empty for PostgreSQL itself. */
    OptionalLong pid();

    /** Resident memory of {@link #pid()}, as sampled for the memory per client connection. */
    long residentBytes() throws Exception;

    void stop();

    @Override
    default void close() {
        stop();
    }
}
