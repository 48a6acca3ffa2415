package io.pooler.testing;

import static io.pooler.testing.PostgresExtensionTest.queryRow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RolesAndDatabasesTest {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final String INVALID_PASSWORD = "28P01";

    @BeforeAll
    static void recordServer(PostgresInstance postgres) throws SQLException {
        SharedServerRecord.seenBy(RolesAndDatabasesTest.class, postgres);
    }

    @Test
    void scramRoleLogsInOverTcp(PostgresInstance postgres) throws SQLException {
        postgres.createRole("fixture_scram", "scram secret", "scram-sha-256");

        assertTrue(postgres.storedPassword("fixture_scram").startsWith("SCRAM-SHA-256$4096:"),
                postgres.storedPassword("fixture_scram"));
        assertEquals("fixture_scram", currentUser(postgres, "postgres", "fixture_scram", "scram secret"));
    }

    @Test
    void md5RoleLogsInOverTcp(PostgresInstance postgres) throws SQLException {
        postgres.createRole("fixture_md5", "md5 secret", "md5");

        assertTrue(postgres.storedPassword("fixture_md5").matches("md5[0-9a-f]{32}"), postgres.storedPassword("fixture_md5"));
        assertEquals("fixture_md5", currentUser(postgres, "postgres", "fixture_md5", "md5 secret"));
    }

    @Test
    void wrongPasswordIsRejected(PostgresInstance postgres) throws SQLException {
        postgres.createRole("fixture_wrong", "right", "scram-sha-256");

        SQLException refused = assertThrows(SQLException.class,
                () -> currentUser(postgres, "postgres", "fixture_wrong", "wrong"));
        assertEquals(INVALID_PASSWORD, refused.getSQLState());
    }

    @Test
    void creatingAnExistingRoleResetsItsPasswordAndAttributes(PostgresInstance postgres) throws SQLException {
        postgres.createRole("fixture_again", "first", "scram-sha-256");
        try (Connection connection = postgres.connectAsSuperuser("postgres");
                Statement statement = connection.createStatement()) {
            statement.execute("ALTER ROLE fixture_again CREATEDB NOLOGIN");
        }

        postgres.createRole("fixture_again", "second", "md5");

        assertTrue(postgres.storedPassword("fixture_again").startsWith("md5"));
        assertEquals(List.of("false", "true"), queryRow(postgres,
                "SELECT rolcreatedb::text, rolcanlogin::text FROM pg_roles WHERE rolname = 'fixture_again'"));
        assertEquals("fixture_again", currentUser(postgres, "postgres", "fixture_again", "second"));
        SQLException refused = assertThrows(SQLException.class,
                () -> currentUser(postgres, "postgres", "fixture_again", "first"));
        assertEquals(INVALID_PASSWORD, refused.getSQLState());
    }

    @Test
    void namesAndPasswordsAreQuoted(PostgresInstance postgres) throws SQLException {
        String role = "Fixture \"odd\" role";
        String password = "it's; DROP ROLE postgres; --";
        postgres.createRole(role, password, "scram-sha-256");
        postgres.createDatabase("Fixture odd-db", role);

        assertEquals(role, currentUser(postgres, "Fixture odd-db", role, password));
    }

    @Test
    void createDatabaseIsIdempotentAndSetsTheOwner(PostgresInstance postgres) throws SQLException {
        postgres.createRole("fixture_owner", "owner secret", "scram-sha-256");
        postgres.createRole("fixture_other", "other secret", "scram-sha-256");
        postgres.createDatabase("fixture_db", "fixture_other");

        postgres.createDatabase("fixture_db", "fixture_owner");

        assertEquals(List.of("fixture_owner"), queryRow(postgres,
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'fixture_db'"));
        assertEquals("fixture_owner", currentUser(postgres, "fixture_db", "fixture_owner", "owner secret"));
    }

    @Test
    void storedPasswordOfAnUnknownRoleIsAnError(PostgresInstance postgres) {
        assertThrows(SQLException.class, () -> postgres.storedPassword("fixture_nobody_by_that_name"));
    }

    private static String currentUser(PostgresInstance postgres, String database, String user, String password)
            throws SQLException {
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(database), user, password);
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT current_user")) {
            row.next();
            return row.getString(1);
        }
    }
}
