package io.pooler.bench.compare;

import io.pooler.testing.PostgresInstance;

import java.util.OptionalLong;

/** PostgreSQL without a pooler: each client is a backend. */
final class DirectTarget implements Target {
    private final PostgresInstance pg;
    private final String version;

    DirectTarget(PostgresInstance pg, String version) {
        this.pg = pg;
        this.version = version;
    }

    @Override
    public String key() {
        return "direct";
    }

    @Override
    public String name() {
        return "PostgreSQL " + version;
    }

    @Override
    public boolean supports(Scenario scenario) {
        return scenario.direct();
    }

    @Override
    public void start(Scenario scenario) {
        // Always running: the throwaway server belongs to the comparison.
    }

    @Override
    public int port() {
        return pg.port();
    }

    @Override
    public OptionalLong pid() {
        return OptionalLong.empty();
    }

    @Override
    public long residentBytes() {
        throw new UnsupportedOperationException("PostgreSQL's memory is spread over its backends");
    }

    @Override
    public void stop() {
        // The comparison stops PostgreSQL at the end.
    }
}
