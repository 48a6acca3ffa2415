package io.pooler.server.process;

import io.pooler.server.Main;
import io.pooler.server.it.PoolerFixture;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real daemon (io.pooler.server.Main) in its own JVM, steered with real signals as an operator
 * would: SIGHUP reloads, SIGUSR1/SIGUSR2 pause and resume, SIGINT lets the running transaction finish
 * and then exits.
 */
@ExtendWith(PostgresExtension.class)
@Timeout(120)
class ServerSignalsTest {
    private static final String USER = "sig_user";
    private static final String PASSWORD = "sig-secret";

    @Test
    void signalsReloadPauseResumeAndShutDownSafely(PostgresInstance pg) throws Exception {
        pg.createRole(USER, PASSWORD, "scram-sha-256");
        PoolerFixture files = new PoolerFixture(pg).user(USER, PASSWORD).set("pool_mode", "transaction");
        files.writeFiles();
        try (ChildJvm pooler = ChildJvm.start(ChildJvm.javaCommand(List.of(), Main.class,
                files.dir().resolve("pooler.ini").toString()), Map.of())) {
            pooler.await("started");
            try (Connection c = files.connect("postgres", USER, PASSWORD)) {
                assertEquals("1", query(c, "select 1"));

                // SIGHUP: a new password applies to new logins; the open connection carries on.
                pg.createRole(USER, "rotated", "scram-sha-256");
                files.user(USER, "rotated").writeFiles();
                pooler.kill("HUP");
                pooler.await("configuration reloaded");
                assertEquals("2", query(c, "select 2"));
                try (Connection rotated = files.connect("postgres", USER, "rotated")) {
                    assertEquals("3", query(rotated, "select 3"));
                }

                // SIGUSR1: PAUSE holds new queries; SIGUSR2: RESUME releases them.
                pooler.kill("USR1");
                pooler.await("PAUSE command issued");
                CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> {
                    try {
                        return query(c, "select 4");
                    } catch (SQLException e) {
                        throw new RuntimeException(e);
                    }
                });
                assertThrows(TimeoutException.class, () -> held.get(1, TimeUnit.SECONDS), "held while paused");
                pooler.kill("USR2");
                assertEquals("4", held.get(10, TimeUnit.SECONDS));

                // SIGINT: the running transaction finishes, then the process exits.
                c.setAutoCommit(false);
                assertEquals("5", query(c, "select 5"));
                pooler.kill("INT");
                pooler.await("shutdown requested");
                assertThrows(SQLException.class, () -> files.connect("postgres", USER, "rotated"), "no new clients");
                c.commit(); // the transaction that was running when the signal came still commits
            }
            assertEquals(0, pooler.awaitExit(), pooler.output());
            assertTrue(pooler.output().contains("shutdown complete"), pooler.output());
        } finally {
            pg.createRole(USER, PASSWORD, "scram-sha-256");
        }
    }

    /**
     * PgBouncer's signals during a shutdown the console began: SIGUSR2 is ignored (no RESUME while
     * shutting down), and SIGINT is then a second shutdown request, which exits at once even though a
     * transaction is still open.
     */
    @Test
    void duringAConsoleShutdownSigusr2IsIgnoredAndSigintExitsAtOnce(PostgresInstance pg) throws Exception {
        pg.createRole(USER, PASSWORD, "scram-sha-256");
        PoolerFixture files = new PoolerFixture(pg).user(USER, PASSWORD).set("pool_mode", "transaction")
                .set("admin_users", USER);
        files.writeFiles();
        try (ChildJvm pooler = ChildJvm.start(ChildJvm.javaCommand(List.of(), Main.class,
                files.dir().resolve("pooler.ini").toString()), Map.of())) {
            pooler.await("started");
            try (Connection c = files.connect("postgres", USER, PASSWORD)) {
                c.setAutoCommit(false);
                assertEquals("1", query(c, "select 1")); // a transaction keeps WAIT_FOR_SERVERS waiting
                try (Connection admin = files.connectSimple("pgbouncer", USER, PASSWORD);
                     Statement s = admin.createStatement()) {
                    s.execute("SHUTDOWN WAIT_FOR_SERVERS");
                }
                pooler.await("shutdown requested");
                pooler.kill("USR2");
                pooler.await("got SIGUSR2 while shutting down, ignoring");
                assertEquals("2", query(c, "select 2"), "still shutting down, the transaction goes on");
                pooler.kill("INT");
                pooler.await("got SIGINT while shutting down, fast exit");
                assertEquals(0, pooler.awaitExit(), pooler.output());
            }
        }
    }

    /** As PgBouncer: SIGTERM during SUSPEND does not wait for the suspended clients, it exits at once. */
    @Test
    void aShutdownSignalDuringSuspendExitsAtOnce(PostgresInstance pg) throws Exception {
        pg.createRole(USER, PASSWORD, "scram-sha-256");
        PoolerFixture files = new PoolerFixture(pg).user(USER, PASSWORD).set("admin_users", USER);
        files.writeFiles();
        try (ChildJvm pooler = ChildJvm.start(ChildJvm.javaCommand(List.of(), Main.class,
                files.dir().resolve("pooler.ini").toString()), Map.of())) {
            pooler.await("started");
            try (Connection c = files.connect("postgres", USER, PASSWORD);
                 Connection admin = files.connectSimple("pgbouncer", USER, PASSWORD);
                 Statement s = admin.createStatement()) {
                assertEquals("1", query(c, "select 1")); // a client WAIT_FOR_CLIENTS would wait for
                s.execute("SUSPEND");
                pooler.kill("TERM");
                pooler.await("suspend was in progress, going down immediately");
                assertEquals(0, pooler.awaitExit(), pooler.output());
            }
        }
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
