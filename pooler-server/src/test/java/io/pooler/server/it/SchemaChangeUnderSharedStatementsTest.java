package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Properties;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A schema change after a server has prepared one of the pooler's shared statements. PostgreSQL keeps
 * the statement, and answers its next Bind with an error: "cached plan must not change result type"
 * (0A000, from RevalidateCachedQuery) when the result's columns changed, "cache lookup failed for type"
 * (XX000) when a parameter's type was dropped. On a direct connection only a session that prepared the
 * statement before the change sees it; a new one parses afresh. Through a pooler that shares statements
 * every client that parses the same text is given the server's old statement, so every later client got
 * the error, on every use, until the server connection closed (PgBouncer 1.21+ tells its users to run
 * RECONNECT after a migration). Now such an error marks the statement's copies on all servers as out of
 * date, and each server prepares it again before its next use.
 */
@PoolerTest
class SchemaChangeUnderSharedStatementsTest {
    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    SchemaChangeUnderSharedStatementsTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("pool_mode", "transaction")
                .set("default_pool_size", "2").set("max_prepared_statements", "100");
    }

    /**
     * PgJDBC answers 0A000 by parsing the statement again and retrying once (its willHealViaReparse), as on a
     * direct connection; that retry now meets a fresh statement, so the client sees no error at all.
     */
    @Test
    void aColumnAddedAfterAServerPreparedTheStatement() throws Exception {
        pooler.start();
        ddl("DROP TABLE IF EXISTS schema_change_t", "CREATE TABLE schema_change_t (id int)",
                "INSERT INTO schema_change_t VALUES (1)", "GRANT SELECT ON schema_change_t TO " + SCRAM_USER);
        try (Connection both1 = named(); Connection both2 = named()) {
            // Both servers of the pool prepare it: two clients in transactions at once.
            both1.setAutoCommit(false);
            both2.setAutoCommit(false);
            assertEquals(1, columns(both1, "SELECT * FROM schema_change_t"));
            assertEquals(1, columns(both2, "SELECT * FROM schema_change_t"));
            both1.commit();
            both2.commit();
        }
        ddl("ALTER TABLE schema_change_t ADD COLUMN v text DEFAULT 'x'");
        for (int i = 0; i < 4; i++) {
            try (Connection c = named()) {
                assertEquals(2, columns(c, "SELECT * FROM schema_change_t"), "new client " + i);
            }
        }
    }

    /**
     * A parameter's type dropped and made again: PostgreSQL's error at the Bind is XX000, which no driver
     * retries, so one client sees it, as a session that prepared before the change would; the statement is
     * prepared again on every server from then on.
     */
    @Test
    void aParameterTypeDroppedAndMadeAgain() throws Exception {
        pooler.set("default_pool_size", "1").start();
        ddl("DROP TYPE IF EXISTS schema_change_mood", "CREATE TYPE schema_change_mood AS ENUM ('sad', 'happy')");
        String sql = "SELECT ?::schema_change_mood::text";
        try (Connection c = named()) {
            assertEquals("happy", moodOf(c, sql));
        }
        ddl("DROP TYPE schema_change_mood", "CREATE TYPE schema_change_mood AS ENUM ('sad', 'ok', 'happy')");
        try (Connection c = named()) {
            SQLException first = assertThrows(SQLException.class, () -> moodOf(c, sql));
            assertEquals("XX000", first.getSQLState(), first.getMessage());
        }
        for (int i = 0; i < 3; i++) {
            try (Connection c = named()) {
                assertEquals("happy", moodOf(c, sql), "new client " + i);
            }
        }
    }

    private void ddl(String... statements) throws SQLException {
        try (Connection c = pg.connectAsSuperuser(DB); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** A client whose every statement is a named server-side one from its first use. */
    private Connection named() throws SQLException {
        Properties p = new Properties();
        p.setProperty("prepareThreshold", "1");
        return pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p);
    }

    private static int columns(Connection c, String sql) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql); ResultSet rs = p.executeQuery()) {
            return rs.getMetaData().getColumnCount();
        }
    }

    /** The parameter is sent untyped, so PostgreSQL takes its type from the cast: the enum's. */
    private static String moodOf(Connection c, String sql) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setObject(1, "happy", Types.OTHER);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
