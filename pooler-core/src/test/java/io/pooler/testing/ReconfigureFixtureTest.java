package io.pooler.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link PostgresInstance#reconfigure} and {@link PostgresInstance#prependHba} on the shared server: each
 * is in force for the next session, and undone as the callers undo it.
 */
class ReconfigureFixtureTest {
    private static final String ROLE = "fixture_hba";
    private static final String PASSWORD = "fixture-secret";

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @Test
    void aSettingIsInForceForTheNextSessionAndResetAgain(PostgresInstance postgres) throws Exception {
        String usual = show(postgres, "ssl_min_protocol_version");

        postgres.reconfigure(Map.of("ssl_min_protocol_version", "TLSv1.3"));
        assertEquals("TLSv1.3", show(postgres, "ssl_min_protocol_version"));

        postgres.reconfigure(Collections.singletonMap("ssl_min_protocol_version", null));
        assertEquals(usual, show(postgres, "ssl_min_protocol_version"));
    }

    @Test
    void prependedHbaLinesAreMatchedFirstAndGoneAgain(PostgresInstance postgres) throws Exception {
        postgres.createRole(ROLE, PASSWORD, "scram-sha-256");
        connectAs(postgres, ROLE).close();

        postgres.prependHba(List.of("host all " + ROLE + " 127.0.0.1/32 reject"));
        try {
            SQLException e = assertThrows(SQLException.class, () -> connectAs(postgres, ROLE).close());
            assertTrue(e.getMessage().contains("rejects connection"), e.getMessage());
            connectAs(postgres, postgres.superuser()).close();
        } finally {
            postgres.prependHba(List.of());
        }
        connectAs(postgres, ROLE).close();
    }

    private static Connection connectAs(PostgresInstance postgres, String user) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", user.equals(ROLE) ? PASSWORD : postgres.superuserPassword());
        return DriverManager.getConnection(postgres.jdbcUrl("postgres"), p);
    }

    private static String show(PostgresInstance postgres, String setting) throws SQLException {
        try (Connection c = postgres.connectAsSuperuser("postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
