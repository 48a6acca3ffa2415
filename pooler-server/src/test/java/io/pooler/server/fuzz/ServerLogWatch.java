package io.pooler.server.fuzz;

import io.pooler.testing.PostgresInstance;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL's log from the moment this was made: the lines that contain a marker only an
 * unauthenticated client ever sent. With {@code log_statement = all} on the test database, such a line
 * means a statement from a client that never logged in ran on some server session.
 */
final class ServerLogWatch {
    private final PostgresInstance pg;
    private final int start;

    ServerLogWatch(PostgresInstance pg) throws IOException {
        this.pg = pg;
        this.start = pg.serverLog().length();
    }

    /** Lines logged since this watch was made that contain {@code marker}. */
    List<String> linesContaining(String marker) throws IOException {
        String log = pg.serverLog();
        List<String> lines = new ArrayList<>();
        for (String line : log.substring(Math.min(start, log.length())).split("\n")) {
            if (line.contains(marker)) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** Waits a moment for the server to write what it has, then returns the matching lines. */
    List<String> linesContainingAfterFlush(String marker) throws IOException, InterruptedException {
        Thread.sleep(300);
        return linesContaining(marker);
    }
}
