package io.pooler.server.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's smaller defects, each as a PgBouncer user meets it: the console's own clients in SHOW
 * CLIENTS, console errors in the log, Netty's warnings on unix-socket connections, long passwords.
 */
@PoolerTest
class SmallDefectsTest {
    private final PostgresInstance pg;
    private final PoolerFixture pooler;
    private ListAppender<ILoggingEvent> logs;
    private Level nettyLevel;

    SmallDefectsTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER);
    }

    @BeforeEach
    void captureLogs() {
        logs = new ListAppender<>();
        logs.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        logs.start();
    }

    /** After the pooler started: its logging setup may reset Logback. */
    private void attach() {
        Logger netty = (Logger) LoggerFactory.getLogger("io.netty");
        nettyLevel = netty.getLevel();
        netty.setLevel(Level.WARN);
        netty.addAppender(logs);
        ((Logger) LoggerFactory.getLogger("io.pooler")).addAppender(logs);
    }

    @AfterEach
    void detach() {
        Logger netty = (Logger) LoggerFactory.getLogger("io.netty");
        netty.detachAppender(logs);
        netty.setLevel(nettyLevel);
        ((Logger) LoggerFactory.getLogger("io.pooler")).detachAppender(logs);
    }

    private List<String> logLines(Level level) {
        return List.copyOf(logs.list).stream().filter(e -> e.getLevel() == level)
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void consoleClientsShowTheirApplicationName() throws Exception {
        pooler.start();
        Properties p = new Properties();
        p.setProperty("ApplicationName", "console-watcher");
        p.setProperty("assumeMinServerVersion", "9.0"); // in the startup packet, as psql sends it
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD, p)) {
            Map<String, String> me = rows(admin, "SHOW CLIENTS").stream()
                    .filter(r -> r.get("database").equals("pgbouncer")).findFirst().orElseThrow();
            assertEquals("console-watcher", me.get("application_name"), me.toString());
        }
    }

    @Test
    void consoleErrorsAreLoggedAsPgBouncerLogsThem() throws Exception {
        pooler.set("stats_users", TestRoles.MD5_USER).user(TestRoles.MD5_USER, TestRoles.MD5_PASSWORD).start();
        attach();
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
             Connection stats = pooler.connectSimple("pgbouncer", TestRoles.MD5_USER, TestRoles.MD5_PASSWORD)) {
            assertThrows(SQLException.class, () -> execute(admin, "FROBNICATE"));
            assertThrows(SQLException.class, () -> execute(stats, "RELOAD"));
        }
        List<String> errors = logLines(Level.ERROR);
        assertTrue(errors.stream().anyMatch(l -> l.startsWith("invalid command 'FROBNICATE'")), errors.toString());
        assertTrue(errors.contains("admin access needed"), errors.toString());
        List<String> warnings = logLines(Level.WARN);
        assertTrue(warnings.stream().anyMatch(l -> l.matches("C-\\d+: pgbouncer/" + SCRAM_USER
                + "@127\\.0\\.0\\.1:\\d+ pooler error: invalid command 'FROBNICATE'.*")), warnings.toString());
        assertTrue(warnings.stream().anyMatch(l -> l.matches("C-\\d+: pgbouncer/" + TestRoles.MD5_USER
                + "@127\\.0\\.0\\.1:\\d+ pooler error: admin access needed")), warnings.toString());
    }

    @Test
    void unixSocketConnectionsLogNoNettyWarning() throws Exception {
        Path dir = Files.createDirectories(pooler.dir().resolve("sock"));
        pooler.set("unix_socket_dir", dir.toString()).start();
        attach();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(dir.resolve(".s.PGSQL." + pooler.port())));
            ch.write(UnixSocketConsoleTest.startup("pgbouncer", "pgbouncer"));
            UnixSocketConsoleTest.readUntilReady(ch);
            ch.write(UnixSocketConsoleTest.query("SHOW VERSION"));
            UnixSocketConsoleTest.readUntilReady(ch);
        }
        List<String> warnings = logLines(Level.WARN);
        assertTrue(warnings.stream().noneMatch(l -> l.contains("Unknown channel option")), warnings.toString());
        // TCP clients still get their options (and the same silence).
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(c, "select 1"));
        }
        assertTrue(logLines(Level.WARN).stream().noneMatch(l -> l.contains("Unknown channel option")));
    }

    /**
     * A PasswordMessage longer than the 8 kB other login messages may have: PostgreSQL takes up to 65535
     * bytes, and so does PgBouncer. Longer still is refused, without reading it all.
     */
    @Test
    void longPasswordsLogIn() throws Exception {
        String user = "it_long_password";
        String password = "p".repeat(20_000);
        pg.createRole(user, password, "scram-sha-256");
        try (Connection c = pg.connectAsSuperuser(DB)) {
            c.createStatement().execute("GRANT CONNECT ON DATABASE " + DB + " TO " + user);
        }
        pooler.set("auth_type", "plain").user(user, password).start();
        try (Connection c = pooler.connectSimple(DB, user, password)) {
            assertEquals(user, queryString(c, "select current_user"));
        }
        String tooLong = "p".repeat(70_000);
        pooler.user(user, tooLong).reload();
        SQLException refused = assertThrows(SQLException.class, () -> pooler.connectSimple(DB, user, tooLong));
        assertTrue(String.valueOf(refused.getMessage()).contains("too long") || "08P01".equals(refused.getSQLState()),
                refused.toString());
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
