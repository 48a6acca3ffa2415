package io.pooler.server.it;

import io.pooler.auth.Md5Auth;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_PASSWORD;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Logins through the pooler with PgJDBC, each auth_type against the real PostgreSQL. */
@PoolerTest
class LoginTest {
    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    LoginTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler;
    }

    @Test
    void scramWithTheVerifierPostgresStoresPassesThrough() throws Exception {
        // The userlist holds only PostgreSQL's own verifier: the pooler logs in to PostgreSQL with the
        // keys the client's SCRAM exchange revealed.
        pooler.user(SCRAM_USER, pg.storedPassword(SCRAM_USER)).start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("2", queryString(c, "select 1 + 1"));
        }
    }

    @Test
    void scramWithPlainUserlistPassword() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(SCRAM_USER, queryString(c, "select session_user"));
        }
    }

    @Test
    void md5WithStoredMd5Hash() throws Exception {
        pooler.set("auth_type", "md5").user(MD5_USER, Md5Auth.encode(MD5_USER, MD5_PASSWORD)).start();
        try (Connection c = pooler.connect(DB, MD5_USER, MD5_PASSWORD)) {
            assertEquals(MD5_USER, queryString(c, "select current_user"));
        }
    }

    @Test
    void md5AuthTypeAsksScramUsersForScram() throws Exception {
        pooler.set("auth_type", "md5").user(SCRAM_USER, pg.storedPassword(SCRAM_USER)).start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }
    }

    @Test
    void trustNeedsNoPasswordButTheUserMustBeListed() throws Exception {
        pooler.set("auth_type", "trust").user(MD5_USER, MD5_PASSWORD).start();
        try (Connection c = pooler.connect(DB, MD5_USER, "anything")) {
            assertEquals(MD5_USER, queryString(c, "select current_user"));
        }
        SQLException e = assertThrows(SQLException.class, () -> pooler.connect(DB, "not_listed", "x"));
        assertEquals("28000", e.getSQLState());
        assertEquals("FATAL: \"trust\" authentication failed", e.getMessage()); // PgBouncer's text
    }

    @Test
    void plainAuthTypeChecksAgainstAScramVerifier() throws Exception {
        pooler.set("auth_type", "plain").user(SCRAM_USER, pg.storedPassword(SCRAM_USER)).start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }
    }

    @Test
    void wrongPasswordAndUnknownUserGetTheSameAnswer() throws Exception {
        pooler.user(SCRAM_USER, pg.storedPassword(SCRAM_USER)).start();
        SQLException wrong = assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, "wrong"));
        SQLException unknown = assertThrows(SQLException.class, () -> pooler.connect(DB, "ghost", "wrong"));
        assertEquals("28P01", wrong.getSQLState());
        assertEquals("28P01", unknown.getSQLState());
        assertEquals(wrong.getMessage(), unknown.getMessage());
        assertEquals("FATAL: SASL authentication failed", unknown.getMessage()); // PgBouncer's text
    }

    @Test
    void unknownDatabaseIsRefused() throws Exception {
        pooler.databases().clear();
        pooler.database(DB, "host=" + pg.host() + " port=" + pg.port());
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).start();
        SQLException e = assertThrows(SQLException.class, () -> pooler.connect("nosuchdb", SCRAM_USER, SCRAM_PASSWORD));
        assertEquals("3D000", e.getSQLState());
    }

    @Test
    void sslRequestIsAnsweredNoSoPreferConnects() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).start();
        java.util.Properties p = new java.util.Properties();
        p.setProperty("sslmode", "prefer");
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p)) {
            assertEquals("1", queryString(c, "select 1"));
        }
        p.setProperty("sslmode", "require");
        assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p));
    }

    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
