package io.pooler.server.fuzz;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's log from the moment this was made: the lines that contain a marker only an
 * unauthenticated client ever sent. With {@code log_statement = all} on the test database, such a line
 * means a statement from a client that never logged in ran on some server session.
 */
final class ServerLogWatch {
    private static final Pattern CRASHED_PID = Pattern.compile("server process \\(PID (\\d+)\\) was terminated by signal");
    private static final int CRASH_CONTEXT_LINES = 30;
    private final PostgresInstance pg;
    private final int start;

    ServerLogWatch(PostgresInstance pg) throws IOException {
        this.pg = pg;
        this.start = pg.serverLog().length();
    }

    /** Lines logged since this watch was made that contain {@code marker}. */
    List<String> linesContaining(String marker) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : linesSinceStart()) {
            if (line.contains(marker)) {
                lines.add(line);
            }
        }
        return lines;
    }

    /**
     * Each server process that crashed since this watch was made ("server process (PID n) was terminated
     * by signal 11"), with the line after it, where PostgreSQL may name the statement it was running, and
     * the last lines that process logged itself (with {@code log_statement = all}, the statements and
     * their parameters that led there). After such a crash the postmaster ends every other session and
     * refuses logins while it recovers, so the checker clients' errors that follow are its consequence.
     */
    List<String> serverProcessCrashes() throws IOException {
        String[] lines = linesSinceStart();
        List<String> crashes = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            Matcher crash = CRASHED_PID.matcher(lines[i]);
            if (crash.find()) {
                StringBuilder report = new StringBuilder(lines[i]);
                if (i + 1 < lines.length) {
                    report.append('\n').append(lines[i + 1]);
                }
                report.append("\nits last ").append(CRASH_CONTEXT_LINES).append(" lines:");
                lastLinesOf("[" + crash.group(1) + "]", lines, i).forEach(line -> report.append('\n').append(line));
                crashes.add(report.toString());
            }
        }
        return crashes;
    }

    /** Up to CRASH_CONTEXT_LINES lines before {@code end} that carry the log prefix's {@code [pid]}. */
    private static List<String> lastLinesOf(String pid, String[] lines, int end) {
        List<String> found = new ArrayList<>();
        for (int i = end - 1; i >= 0 && found.size() < CRASH_CONTEXT_LINES; i--) {
            if (lines[i].contains(pid)) {
                found.add(0, lines[i]);
            }
        }
        return found;
    }

    private String[] linesSinceStart() throws IOException {
        String log = pg.serverLog();
        return log.substring(Math.min(start, log.length())).split("\n");
    }

    /**
     * The matching lines once the server has written what it had: a fence statement with a fresh marker
     * runs in the logged database, and once PostgreSQL's log shows it, every statement logged before it
     * is there too. An await on that line instead of a fixed pause.
     */
    List<String> linesContainingAfterFlush(String marker) throws IOException, SQLException {
        String fence = "log-fence-" + UUID.randomUUID();
        try (Connection su = pg.connectAsSuperuser(FuzzDatabase.DB); Statement s = su.createStatement()) {
            s.execute("select '" + fence + "'");
        }
        Await.until(Duration.ofSeconds(30), Await.quietly(() -> !linesContaining(fence).isEmpty()),
                "PostgreSQL's log shows the fence statement " + fence);
        return linesContaining(marker);
    }
}
