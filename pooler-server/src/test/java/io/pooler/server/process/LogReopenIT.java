package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * logrotate's way with a real pooler process: the logfile is renamed, SIGHUP makes the pooler reopen
 * it under its configured name, and new lines go to the new file while the old one keeps what it had.
 * The lines carry PgBouncer's format and prefixes, so log-based alerting written for PgBouncer matches.
 */
@ExtendWith(PostgresExtension.class)
class LogReopenIT {
    private static final String USER = "it_logs";
    private static final String PASSWORD = "logs-secret";

    private final PostgresInstance pg;
    private int port;

    LogReopenIT(PostgresInstance pg) throws SQLException {
        this.pg = pg;
        pg.createRole(USER, PASSWORD, "scram-sha-256");
    }

    @Test
    void sighupReopensTheRenamedLogfile() throws Exception {
        port = PoolerJar.freePort();
        Path dir = Files.createTempDirectory("pooler-logs-");
        Path logfile = dir.resolve("pooler.log");
        Path rotated = dir.resolve("pooler.log.1");
        Files.writeString(dir.resolve("userlist.txt"), "\"" + USER + "\" \"" + PASSWORD + "\"\n");
        Files.writeString(dir.resolve("pooler.ini"), String.join("\n",
                "[databases]",
                "* = host=" + pg.host() + " port=" + pg.port(),
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "unix_socket_dir =",
                "logfile = pooler.log",
                "auth_type = scram-sha-256",
                "auth_file = userlist.txt",
                "ignore_startup_parameters = extra_float_digits",
                ""));
        try (ChildJvm pooler = PoolerJar.start(dir.resolve("pooler.ini"))) {
            pooler.await("listening on 127.0.0.1:" + port);
            login("application_name=before");
            awaitLine(logfile, "closing because: client close request");

            Files.move(logfile, rotated);
            login("application_name=between");
            awaitLine(rotated, "closing because: client close request (age=", 2);

            pooler.kill("HUP");
            awaitLine(logfile, "configuration reloaded from");
            login("application_name=after");
            awaitLine(logfile, "closing because: client close request");

            String old = Files.readString(rotated);
            String current = Files.readString(logfile);
            assertEquals(2, count(old, "login attempt"), old);
            assertFalse(old.contains("configuration reloaded"), old);
            assertEquals(1, count(current, "login attempt"), current);

            // PgBouncer's line format: "2026-11-21 09:30:00.123 UTC [4242] LOG C-1: db/user@addr:port ..."
            String stamp = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\S+ \\[" + pooler.pid() + "] LOG ";
            assertMatches(current, stamp + "C-\\d+: postgres/" + USER + "@127\\.0\\.0\\.1:\\d+ login attempt: db=postgres user="
                    + USER + " tls=no");
            assertMatches(current, stamp + "C-\\d+: postgres/" + USER + "@127\\.0\\.0\\.1:\\d+ closing because: client close request \\(age=\\d+s\\)");
            assertMatches(old, stamp + "S-\\d+: postgres/" + USER + "@" + Pattern.quote(pg.host()) + ":" + pg.port()
                    + " new connection to server \\(from 127\\.0\\.0\\.1:\\d+\\)");
            pooler.kill("INT");
            assertEquals(0, pooler.awaitExit(), pooler.output());
        }
    }

    private void login(String options) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", PASSWORD);
        p.setProperty("connectTimeout", "10");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?" + options, p)) {
            c.createStatement().execute("select 1");
        }
    }

    private static void awaitLine(Path file, String text) throws Exception {
        awaitLine(file, text, 1);
    }

    private static void awaitLine(Path file, String text, int times) {
        Await.until(ChildJvm.TIMEOUT, Await.quietly(() -> Files.exists(file) && count(Files.readString(file), text) >= times),
                () -> file + " has no " + times + " x '" + text + "':\n" + contentOf(file));
    }

    private static String contentOf(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "(missing)";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static void assertMatches(String text, String regex) {
        assertTrue(Pattern.compile("(?m)^" + regex + "$").matcher(text).find(), "no line matches " + regex + " in:\n" + text);
    }
}
