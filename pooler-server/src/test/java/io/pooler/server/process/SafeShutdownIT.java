package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pooler.server.container.SafeShutdown;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The container's preStop hook against a real pooler process: it sends SIGINT (PgBouncer's safe shutdown),
 * the pooler stops taking connections, drops the idle client, lets the open transaction finish, then exits;
 * the hook returns only then, so Kubernetes' SIGTERM after it cannot cut the transaction short.
 */
@ExtendWith(PostgresExtension.class)
class SafeShutdownIT {
    private static final String USER = "it_prestop";
    private static final String PASSWORD = "prestop-secret";

    private final PostgresInstance pg;
    private int port;

    SafeShutdownIT(PostgresInstance pg) throws SQLException {
        this.pg = pg;
        pg.createRole(USER, PASSWORD, "scram-sha-256");
    }

    @Test
    void theHookDrainsLikeSigintAndReturnsWhenThePoolerHasExited() throws Exception {
        port = PoolerJar.freePort();
        Path dir = Files.createTempDirectory("pooler-prestop-");
        Files.writeString(dir.resolve("userlist.txt"), "\"" + USER + "\" \"" + PASSWORD + "\"\n");
        Files.writeString(dir.resolve("pooler.ini"), String.join("\n",
                "[databases]",
                "* = host=" + pg.host() + " port=" + pg.port(),
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "unix_socket_dir =",
                "pool_mode = transaction",
                "auth_type = scram-sha-256",
                "auth_file = userlist.txt",
                "ignore_startup_parameters = extra_float_digits",
                ""));
        try (ChildJvm pooler = PoolerJar.start(dir.resolve("pooler.ini"))) {
            pooler.await("listening on 127.0.0.1:" + port);
            drain(pooler);
        }
    }

    private void drain(ChildJvm pooler) throws Exception {
        try (Connection inTransaction = connect(); Connection idle = connect()) {
            inTransaction.setAutoCommit(false);
            assertEquals(1, queryInt(inTransaction, "select 1"));
            assertEquals(1, queryInt(idle, "select 1"));

            CompletableFuture<Optional<String>> hook =
                    CompletableFuture.supplyAsync(() -> SafeShutdown.interruptAndWait(Math.toIntExact(pooler.pid())));
            pooler.await("shutdown requested (WAIT_FOR_SERVERS)");

            assertThrows(SQLException.class, this::connect, "the listener is closed");
            assertThrows(SQLException.class, () -> queryInt(idle, "select 2"), "an idle client is let go");
            assertEquals(2, queryInt(inTransaction, "select 2"), "the running transaction goes on");
            assertTrue(pooler.isAlive());
            assertFalse(hook.isDone(), "the hook waits while the pooler drains");

            inTransaction.commit();
            assertEquals(0, pooler.awaitExit(), pooler.output());
            assertEquals(Optional.empty(), hook.get(ChildJvm.TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(pooler.output().contains("shutdown complete"), pooler.output());
        }
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", PASSWORD);
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }

    private static int queryInt(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
