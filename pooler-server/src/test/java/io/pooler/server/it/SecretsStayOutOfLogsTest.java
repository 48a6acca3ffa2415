package io.pooler.server.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.pooler.auth.Md5Auth;
import io.pooler.config.ConfigValue;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_PASSWORD;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every way a password passes through the pooler (auth file plain, md5 and SCRAM secrets, auth_query,
 * forced-user passwords, wrong passwords from clients and in [databases]) with logging at NOISE: none
 * of them may show up in a log line, in SHOW CONFIG or in an error a client gets.
 */
@PoolerTest
class SecretsStayOutOfLogsTest {
    private static final String WRONG_CLIENT_PASSWORD = "wrong-client-secret";
    private static final String WRONG_DB_PASSWORD = "wrong-db-secret";

    private final PostgresInstance pg;
    private final List<String> secrets = new ArrayList<>();
    private final List<String> clientErrors = new ArrayList<>();
    private final PoolerFixture pooler;
    private ListAppender<ILoggingEvent> captured;
    private Level previousLevel;

    SecretsStayOutOfLogsTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        this.pg = pg;
        this.pooler = pooler;
        pg.createRole(AuthQueryTest.AUTH_USER, AuthQueryTest.AUTH_PASSWORD, "scram-sha-256");
        try (Connection c = pg.connectAsSuperuser("postgres")) {
            c.createStatement().execute("ALTER ROLE " + AuthQueryTest.AUTH_USER + " SUPERUSER");
        }
    }

    @BeforeEach
    void captureLogs() {
        Logger pooler = (Logger) LoggerFactory.getLogger("io.pooler");
        previousLevel = pooler.getLevel();
        pooler.setLevel(Level.TRACE);
        captured = new ListAppender<>();
        captured.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        captured.start();
        pooler.addAppender(captured);
    }

    @AfterEach
    void tearDown() {
        Logger logger = (Logger) LoggerFactory.getLogger("io.pooler");
        logger.detachAppender(captured);
        logger.setLevel(previousLevel);
    }

    @Test
    void noSecretInLogsShowConfigOrClientErrors() throws Exception {
        String scramVerifier = pg.storedPassword(SCRAM_USER);
        String md5Hash = Md5Auth.encode(MD5_USER, MD5_PASSWORD);
        secrets.addAll(List.of(SCRAM_PASSWORD, MD5_PASSWORD, md5Hash, AuthQueryTest.AUTH_PASSWORD,
                WRONG_CLIENT_PASSWORD, WRONG_DB_PASSWORD));
        // The StoredKey and ServerKey parts of the verifier (what auth_query returns for it_scram).
        secrets.addAll(List.of(scramVerifier.substring(scramVerifier.indexOf('$', 14) + 1).split(":")));

        String server = "host=" + pg.host() + " port=" + pg.port();
        pooler.set("verbose", "2").set("auth_type", "md5")
                .set("auth_user", AuthQueryTest.AUTH_USER)
                .user(AuthQueryTest.AUTH_USER, AuthQueryTest.AUTH_PASSWORD)
                .user(MD5_USER, md5Hash)
                .database("forced", server + " dbname=" + DB + " user=" + SCRAM_USER + " password=" + SCRAM_PASSWORD)
                .database("badpw", server + " dbname=" + DB + " user=" + MD5_USER + " password=" + WRONG_DB_PASSWORD)
                .start();

        query(DB, SCRAM_USER, SCRAM_PASSWORD);                // SCRAM through auth_query, pass-through keys
        query(DB, MD5_USER, MD5_PASSWORD);                    // md5 hash from the auth file
        query("forced", MD5_USER, MD5_PASSWORD);              // server login with password=
        refused(DB, SCRAM_USER, WRONG_CLIENT_PASSWORD);
        refused(DB, MD5_USER, WRONG_CLIENT_PASSWORD);
        refused("badpw", MD5_USER, MD5_PASSWORD);             // PostgreSQL refuses the [databases] password
        pooler.reload();

        // Event loops may still be logging (closes after the reload): copy under the appender's own lock,
        // which doAppend holds while it adds to the list.
        List<ch.qos.logback.classic.spi.ILoggingEvent> events;
        synchronized (captured) {
            events = new java.util.ArrayList<>(captured.list);
        }
        List<String> lines = events.stream()
                .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())))
                .toList();
        assertTrue(lines.stream().anyMatch(l -> l.contains("login attempt")), "logging was captured");
        assertTrue(lines.stream().anyMatch(l -> l.contains("login failed")), "the bad [databases] password was logged about");
        for (String secret : secrets) {
            for (String line : lines) {
                assertFalse(line.contains(secret), "log line shows a secret: " + line);
            }
            for (ConfigValue row : pooler.server().config().config().showConfig()) {
                assertFalse(row.value() != null && row.value().contains(secret), "SHOW CONFIG " + row.key());
            }
            for (String error : clientErrors) {
                assertFalse(error.contains(secret), "client error shows a secret: " + error);
            }
        }
    }

    private void query(String database, String user, String password) throws SQLException {
        try (Connection c = pooler.connect(database, user, password)) {
            LoginTest.queryString(c, "select 1");
        }
    }

    private void refused(String database, String user, String password) {
        SQLException e = assertThrows(SQLException.class, () -> query(database, user, password));
        clientErrors.add(e.toString());
    }
}
