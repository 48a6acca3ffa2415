package io.pooler.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class PostgresExtensionTest {

    private static PostgresInstance fromBeforeAll;
    private final PostgresInstance fromConstructor;
    private PostgresInstance fromBeforeEach;

    PostgresExtensionTest(PostgresInstance postgres) {
        this.fromConstructor = postgres;
    }

    @BeforeAll
    static void recordServer(PostgresInstance postgres) throws SQLException {
        fromBeforeAll = postgres;
        SharedServerRecord.seenBy(PostgresExtensionTest.class, postgres);
    }

    @BeforeEach
    void keep(PostgresInstance postgres) {
        fromBeforeEach = postgres;
    }

    @Test
    void theServerLogShowsStatementsWhenLogStatementIsOn(PostgresInstance postgres) throws Exception {
        String marker = "log-probe-" + System.nanoTime();
        try (Connection c = postgres.connectAsSuperuser("postgres"); Statement s = c.createStatement()) {
            s.execute("SET log_statement = 'all'");
            s.execute("SELECT '" + marker + "'");
        }
        long deadline = System.nanoTime() + 10_000_000_000L; // the server writes its log asynchronously
        while (!postgres.serverLog().contains(marker) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        // PgJDBC's extended protocol is logged as "execute <unnamed>: SELECT ...".
        assertTrue(postgres.serverLog().contains(": SELECT '" + marker + "'"), "not in the server log");
    }

    @Test
    void injectsTheSameSharedInstanceEverywhere(PostgresInstance postgres) {
        assertSame(PostgresExtension.instance(), postgres);
        assertSame(postgres, fromBeforeAll);
        assertSame(postgres, fromConstructor);
        assertSame(postgres, fromBeforeEach);
    }

    @Test
    void superuserRunsQueries(PostgresInstance postgres) throws SQLException {
        assertEquals(List.of("postgres", "17"),
                queryRow(postgres, "SELECT current_user, current_setting('server_version_num')::int / 10000"));
        assertEquals("jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/app", postgres.jdbcUrl("app"));
    }

    @Test
    void serverHasTheTestSettings(PostgresInstance postgres) throws SQLException {
        assertEquals(List.of("300", "scram-sha-256", "off", "off", "off", "32MB"), queryRow(postgres,
                "SELECT current_setting('max_connections'), current_setting('password_encryption'),"
                        + " current_setting('fsync'), current_setting('synchronous_commit'),"
                        + " current_setting('full_page_writes'), current_setting('shared_buffers')"));
    }

    @Test
    void localServerListensOnLoopbackAndItsSocket(PostgresInstance postgres) throws SQLException {
        assumeTrue(postgres.unixSocketDir().isPresent(), "a container has no local socket");
        Path socketDir = postgres.unixSocketDir().get();
        assertEquals("127.0.0.1", postgres.host());
        assertEquals(List.of("127.0.0.1", socketDir.toString(), String.valueOf(postgres.port())), queryRow(postgres,
                "SELECT current_setting('listen_addresses'), current_setting('unix_socket_directories'),"
                        + " inet_server_port()::text"));
        assertTrue(Files.exists(socketDir.resolve(".s.PGSQL." + postgres.port())), "socket file in " + socketDir);
    }

    @Test
    void serverDoesNotRunAsRoot(PostgresInstance postgres) throws Exception {
        assumeTrue(postgres.unixSocketDir().isPresent(), "a container's processes are not ours to inspect");
        try (Connection connection = postgres.connectAsSuperuser("postgres");
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
            row.next();
            // "Uid:\treal\teffective\tsaved\tfs" of the backend serving this very connection.
            String uids = Files.readAllLines(Path.of("/proc", row.getString(1), "status")).stream()
                    .filter(line -> line.startsWith("Uid:")).findFirst().orElseThrow();
            String effectiveUid = uids.split("\\s+")[2];
            assertNotEquals("0", effectiveUid, uids);
            if (ServerUser.effectiveUid() != 0) {
                assertEquals(String.valueOf(ServerUser.effectiveUid()), effectiveUid, "runs as us when we are not root");
            }
        }
    }

    static List<String> queryRow(PostgresInstance postgres, String sql) throws SQLException {
        try (Connection connection = postgres.connectAsSuperuser("postgres");
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            assertTrue(row.next(), sql);
            List<String> values = new java.util.ArrayList<>();
            for (int column = 1; column <= row.getMetaData().getColumnCount(); column++) {
                values.add(row.getString(column));
            }
            return values;
        }
    }
}
