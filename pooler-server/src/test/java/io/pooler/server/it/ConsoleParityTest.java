package io.pooler.server.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.pooler.testing.Await;
import io.pooler.testing.CapturedLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Console commands answered in PgBouncer's words (its src/admin.c): KILL with and without a database
 * closes the clients too (1.23+), KILL_CLIENT's refusals, RELOAD's failure, DISABLE as a client sees it.
 */
@PoolerTest
class ConsoleParityTest {
    private final PoolerFixture pooler;
    private CapturedLog logs;

    ConsoleParityTest(PoolerFixture pooler) throws Exception {
        String target = "host=" + pooler.postgres().host() + " port=" + pooler.postgres().port() + " dbname=" + DB;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .database("other", target).start();
    }

    @AfterEach
    void detach() {
        if (logs != null) {
            logs.close();
        }
    }

    private Connection admin() throws SQLException {
        return pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
    }

    private static SQLException refused(Connection admin, String command) {
        return assertThrows(SQLException.class, () -> rows(admin, command), command);
    }

    @Test
    void killWithoutArgumentClosesEveryDatabasesClients() throws Exception {
        try (Connection a = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection b = pooler.connectSimple("other", SCRAM_USER, SCRAM_PASSWORD);
             Connection admin = admin()) {
            queryString(a, "select 1");
            queryString(b, "select 1");
            rows(admin, "KILL");
            for (Connection c : List.of(a, b)) {
                SQLException e = assertThrows(SQLException.class, () -> queryString(c, "select 1"));
                assertTrue(String.valueOf(e.getMessage()).contains("database removed")
                        || e.getSQLState().startsWith("08"), e.toString());
            }
            Await.until(Duration.ofSeconds(10), quietly(() -> rows(admin, "SHOW CLIENTS").stream()
                    .allMatch(r -> r.get("database").equals("pgbouncer"))), "only console clients are left");
            // KILL pauses the databases, not the pooler: PgBouncer takes a second KILL, and RESUME lets them in.
            rows(admin, "KILL");
            rows(admin, "RESUME");
            try (Connection again = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
                assertEquals("1", queryString(again, "select 1"));
            }
        }
    }

    @Test
    void killOfOneDatabaseLeavesTheOthers() throws Exception {
        try (Connection a = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection b = pooler.connectSimple("other", SCRAM_USER, SCRAM_PASSWORD);
             Connection admin = admin()) {
            queryString(a, "select 1");
            queryString(b, "select 1");
            rows(admin, "KILL other");
            SQLException e = assertThrows(SQLException.class, () -> queryString(b, "select 1"));
            assertTrue(String.valueOf(e.getMessage()).contains("database removed"), e.toString());
            assertEquals("1", queryString(a, "select 1"));
            assertTrue(refused(admin, "RESUME " + DB).getMessage().contains("database " + DB + " is not paused"));
        }
    }

    @Test
    void killClientRefusalsAreWordedAsPgBouncers() throws Exception {
        try (Connection admin = admin()) {
            assertTrue(refused(admin, "KILL_CLIENT abc").getMessage().contains("invalid client pointer supplied"));
            assertTrue(refused(admin, "KILL_CLIENT").getMessage().contains("invalid client pointer supplied"));
            assertTrue(refused(admin, "KILL_CLIENT 987654321").getMessage().contains("client not found"));
        }
    }

    @Test
    void reloadFailureIsWordedAsPgBouncersWithDetailsInTheLog() throws Exception {
        logs = CapturedLog.of("io.pooler");
        Files.writeString(pooler.dir().resolve("pooler.ini"), "[pgbouncer]\nno_such_key = 1\n");
        try (Connection admin = admin()) {
            SQLException e = refused(admin, "RELOAD");
            assertEquals("F0000", e.getSQLState());
            assertTrue(e.getMessage().contains("RELOAD failed, see logs for additional details"), e.getMessage());
            assertTrue(!e.getMessage().contains("no_such_key"), "details go to the log: " + e.getMessage());
        }
        List<String> errors = logs.events().stream().filter(l -> l.getLevel() == Level.ERROR)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertTrue(errors.stream().anyMatch(l -> l.contains("no_such_key")), errors.toString());
        assertTrue(errors.contains("RELOAD Failed, see logs for more details"), errors.toString());
    }

    @Test
    void aDisabledDatabaseIsNamedSoToClients() throws Exception {
        try (Connection admin = admin()) {
            rows(admin, "DISABLE other");
            SQLException e = assertThrows(SQLException.class,
                    () -> pooler.connectSimple("other", SCRAM_USER, SCRAM_PASSWORD));
            assertTrue(e.getMessage().contains("database \"other\" is disabled"), e.getMessage());
            assertTrue(refused(admin, "DISABLE").getMessage().contains("a database is required"));
            assertTrue(refused(admin, "ENABLE pgbouncer").getMessage().contains("cannot disable admin db: pgbouncer"));
            rows(admin, "ENABLE other");
            try (Connection c = pooler.connectSimple("other", SCRAM_USER, SCRAM_PASSWORD)) {
                assertEquals("1", queryString(c, "select 1"));
            }
        }
    }
}
