package io.pooler.testing;

import static io.pooler.testing.PostgresExtensionTest.queryRow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Failure tests stop and restart the shared server; it must come back as it was. */
@ExtendWith(PostgresExtension.class)
class RestartTest {

    @Test
    void restartKeepsThePortAndTheData(PostgresInstance postgres) throws Exception {
        try (Connection connection = postgres.connectAsSuperuser("postgres");
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS fixture_restart");
            statement.execute("CREATE TABLE fixture_restart (survivor text)");
            statement.execute("INSERT INTO fixture_restart VALUES ('still here')");
        }
        int port = postgres.port();
        List<String> startedAt = queryRow(postgres, "SELECT pg_postmaster_start_time()::text");

        postgres.restart();

        assertEquals(port, postgres.port());
        assertNotEquals(startedAt, queryRow(postgres, "SELECT pg_postmaster_start_time()::text"), "a new postmaster");
        assertEquals(List.of("still here"), queryRow(postgres, "SELECT survivor FROM fixture_restart"));
    }

    @Test
    void stoppedServerRefusesConnectionsUntilStarted(PostgresInstance postgres) throws Exception {
        postgres.stop();
        postgres.stop();

        assertThrows(SQLException.class, () -> postgres.connectAsSuperuser("postgres").close());

        postgres.start();
        postgres.start();
        assertEquals(List.of("1"), queryRow(postgres, "SELECT 1"));
    }

    @Test
    void theNextTestClassGetsARunningServerEvenIfOneLeftItStopped(PostgresInstance postgres) throws Exception {
        postgres.stop();

        new PostgresExtension().beforeAll(null);

        assertEquals(List.of("1"), queryRow(postgres, "SELECT 1"));
    }
}
