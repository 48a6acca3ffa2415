package io.pooler.server.it;

import io.pooler.auth.Md5Auth;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_PASSWORD;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a refused login hears, against the real PostgreSQL with PgJDBC and psql (issue 12, "Login answers"):
 * PgBouncer's order (authenticate, then {@code no such database} or {@code is disabled}) and PgBouncer's
 * texts per auth_type, with an unknown user always answered as a wrong password is where a password is asked.
 */
@PoolerTest
class LoginAnswersTest {
    private static final String NO_DB = "nosuchdb";
    private static final String AUTH_USER = "it_login_auth";
    private static final String AUTH_PASSWORD = "login-auth-secret";

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    LoginAnswersTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler;
        // Only DB exists: no "*" fallback, so any other name is PgBouncer's "fake" database.
        pooler.databases().clear();
        pooler.database(DB, "host=" + pg.host() + " port=" + pg.port());
    }

    // ---- a database that does not exist: authenticate first ----

    @Test
    void unknownDatabaseIsNamedOnlyToAnAuthenticatedScramClient() throws Exception {
        pooler.user(SCRAM_USER, pg.storedPassword(SCRAM_USER)).start();
        SQLException authenticated = refused(NO_DB, SCRAM_USER, SCRAM_PASSWORD);
        assertEquals("FATAL: no such database: " + NO_DB, authenticated.getMessage());
        assertEquals("3D000", authenticated.getSQLState());
        assertSameAnswer(refused(DB, SCRAM_USER, "wrong"), refused(NO_DB, SCRAM_USER, "wrong"));
        assertSameAnswer(refused(DB, "ghost", "wrong"), refused(NO_DB, "ghost", "wrong"));
        assertEquals("FATAL: SASL authentication failed", refused(NO_DB, SCRAM_USER, "wrong").getMessage());
    }

    @Test
    void unknownDatabaseUnderMd5AndPlain() throws Exception {
        pooler.set("auth_type", "md5").user(MD5_USER, Md5Auth.encode(MD5_USER, MD5_PASSWORD)).start();
        assertEquals("FATAL: no such database: " + NO_DB, refused(NO_DB, MD5_USER, MD5_PASSWORD).getMessage());
        assertSameAnswer(refused(DB, MD5_USER, "wrong"), refused(NO_DB, MD5_USER, "wrong"));
        assertSameAnswer(refused(DB, "ghost", "wrong"), refused(NO_DB, "ghost", "wrong"));
        assertEquals("FATAL: password authentication failed", refused(NO_DB, MD5_USER, "wrong").getMessage());

        pooler.set("auth_type", "plain").reload();
        assertEquals("FATAL: no such database: " + NO_DB, refused(NO_DB, MD5_USER, MD5_PASSWORD).getMessage());
        assertSameAnswer(refused(DB, MD5_USER, "wrong"), refused(NO_DB, MD5_USER, "wrong"));
    }

    @Test
    void unknownDatabaseUnderTrust() throws Exception {
        pooler.set("auth_type", "trust").user(MD5_USER, MD5_PASSWORD).start();
        assertEquals("FATAL: no such database: " + NO_DB, refused(NO_DB, MD5_USER, "x").getMessage());
        assertSameAnswer(refused(DB, "ghost", "x"), refused(NO_DB, "ghost", "x"));
    }

    /**
     * With no database entry no auth_query runs (PgBouncer's choice too): a user only PostgreSQL knows goes
     * through the mock exchange, and hears what a wrong password hears, whatever the password.
     */
    @Test
    void unknownDatabaseRunsNoAuthQuery() throws Exception {
        createAuthUser();
        pooler.set("auth_user", AUTH_USER).user(AUTH_USER, AUTH_PASSWORD).start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"), "auth_query finds the user for DB");
        }
        assertSameAnswer(refused(DB, SCRAM_USER, "wrong"), refused(NO_DB, SCRAM_USER, SCRAM_PASSWORD));
        // The auth_user is in the auth file: it authenticates, then hears the truth.
        assertEquals("FATAL: no such database: " + NO_DB, refused(NO_DB, AUTH_USER, AUTH_PASSWORD).getMessage());
    }

    /** auth_type any logs in as the entry's forced user: with no entry, PgBouncer's config error. */
    @Test
    void unknownDatabaseUnderAnyIsPgBouncersConfigError() throws Exception {
        pooler.set("auth_type", "any").databases().put(DB, "host=" + pg.host() + " port=" + pg.port()
                + " user=" + SCRAM_USER + " password=" + SCRAM_PASSWORD);
        pooler.start();
        try (Connection c = pooler.connect(DB, "anyone", "x")) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }
        assertEquals("FATAL: bouncer config error", refused(NO_DB, "anyone", "x").getMessage());
    }

    /** auth_type hba matches the name asked for, entry or not, as PgBouncer does; then authentication. */
    @Test
    void unknownDatabaseUnderHbaGoesByTheRules() throws Exception {
        Files.writeString(pooler.dir().resolve("hba.conf"),
                "host " + NO_DB + " all 127.0.0.1/32 reject\nhost all all 127.0.0.1/32 scram-sha-256\n");
        pooler.set("auth_type", "hba").set("auth_hba_file", "hba.conf").user(SCRAM_USER, pg.storedPassword(SCRAM_USER)).start();
        assertTrue(refused(NO_DB, SCRAM_USER, SCRAM_PASSWORD).getMessage().startsWith("FATAL: pg_hba.conf rejects connection"));
        assertEquals("FATAL: no such database: other", refused("other", SCRAM_USER, SCRAM_PASSWORD).getMessage());
        assertSameAnswer(refused(DB, SCRAM_USER, "wrong"), refused("other", SCRAM_USER, "wrong"));
    }

    @Test
    void disabledDatabaseIsNamedOnlyToAnAuthenticatedClient() throws Exception {
        pooler.set("admin_users", SCRAM_USER).user(SCRAM_USER, pg.storedPassword(SCRAM_USER)).start();
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            rows(admin, "DISABLE " + DB);
            SQLException authenticated = refused(DB, SCRAM_USER, SCRAM_PASSWORD);
            assertEquals("FATAL: database \"" + DB + "\" is disabled", authenticated.getMessage());
            assertEquals("FATAL: SASL authentication failed", refused(DB, SCRAM_USER, "wrong").getMessage());
            assertEquals("FATAL: SASL authentication failed", refused(DB, "ghost", "wrong").getMessage());
            rows(admin, "ENABLE " + DB);
        }
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(c, "select 1"));
        }
    }

    @Test
    void psqlHearsOfTheUnknownDatabaseOnlyWithTheRightPassword() throws Exception {
        Assumptions.assumeTrue(PsqlClientTest.psql() != null, "psql is not installed on this machine");
        pooler.user(SCRAM_USER, pg.storedPassword(SCRAM_USER)).start();
        String right = psql(NO_DB, SCRAM_USER, SCRAM_PASSWORD);
        assertTrue(right.contains("FATAL:  no such database: " + NO_DB), right);
        String wrong = psql(NO_DB, SCRAM_USER, "wrong");
        assertTrue(wrong.contains("FATAL:  SASL authentication failed"), wrong);
        assertTrue(!wrong.contains(NO_DB), wrong);
        String ghost = psql(NO_DB, "ghost", "wrong");
        assertEquals(wrong.replace(SCRAM_USER, "U"), ghost.replace("ghost", "U"));
    }

    // ---- an unknown user, per auth_type ----

    @Test
    void unknownUserUnderScramLooksLikeAWrongPassword() throws Exception {
        pooler.user(SCRAM_USER, pg.storedPassword(SCRAM_USER)).user(MD5_USER, Md5Auth.encode(MD5_USER, MD5_PASSWORD)).start();
        SQLException ghost = refused(DB, "ghost", "x");
        assertEquals("FATAL: SASL authentication failed", ghost.getMessage());
        assertEquals("28P01", ghost.getSQLState());
        assertSameAnswer(refused(DB, SCRAM_USER, "wrong"), ghost);
        // An md5 secret SCRAM cannot use: the whole mock exchange, as an unknown user (PgBouncer refuses
        // at the first SCRAM message, which tells that user apart).
        assertSameAnswer(refused(DB, MD5_USER, MD5_PASSWORD), ghost);
    }

    @Test
    void unknownUserUnderMd5AndPlainLooksLikeAWrongPassword() throws Exception {
        pooler.set("auth_type", "md5").user(MD5_USER, Md5Auth.encode(MD5_USER, MD5_PASSWORD)).start();
        SQLException ghost = refused(DB, "ghost", "x");
        assertEquals("FATAL: password authentication failed", ghost.getMessage());
        assertEquals("28P01", ghost.getSQLState());
        assertSameAnswer(refused(DB, MD5_USER, "wrong"), ghost);

        pooler.set("auth_type", "plain").reload();
        SQLException plainGhost = refused(DB, "ghost", "x");
        assertEquals("FATAL: password authentication failed", plainGhost.getMessage());
        assertSameAnswer(refused(DB, MD5_USER, "wrong"), plainGhost);
    }

    @Test
    void unknownUserUnderTrustGetsPgBouncersAnswer() throws Exception {
        pooler.set("auth_type", "trust").user(MD5_USER, MD5_PASSWORD).start();
        try (Connection c = pooler.connect(DB, MD5_USER, "anything")) {
            assertEquals(MD5_USER, queryString(c, "select current_user"));
        }
        SQLException ghost = refused(DB, "ghost", "x");
        assertEquals("FATAL: \"trust\" authentication failed", ghost.getMessage());
        assertEquals("28000", ghost.getSQLState());
    }

    /**
     * PgBouncer answers "no such user" to a name auth_query does not find, before any password: ours asks
     * for the password and answers as a wrong one (README, Differences from PgBouncer).
     */
    @Test
    void unknownUserWithAuthUserLooksLikeAWrongPassword() throws Exception {
        createAuthUser();
        pooler.set("auth_type", "md5").set("auth_user", AUTH_USER).user(AUTH_USER, AUTH_PASSWORD).start();
        SQLException ghost = refused(DB, "ghost", "x");
        assertEquals("FATAL: password authentication failed", ghost.getMessage());
        assertSameAnswer(refused(DB, MD5_USER, "wrong"), ghost);

        pooler.set("auth_type", "scram-sha-256").reload();
        assertSameAnswer(refused(DB, SCRAM_USER, "wrong"), refused(DB, "ghost", "x"));

        // Under trust no password is at stake: PgBouncer's own answer.
        pooler.set("auth_type", "trust").reload();
        assertEquals("FATAL: no such user", refused(DB, "ghost", "x").getMessage());
    }

    // ---- helpers ----

    private void createAuthUser() throws SQLException {
        pg.createRole(AUTH_USER, AUTH_PASSWORD, "scram-sha-256");
        try (Connection c = pg.connectAsSuperuser("postgres"); Statement s = c.createStatement()) {
            s.execute("ALTER ROLE " + AUTH_USER + " SUPERUSER"); // the default auth_query reads pg_authid
        }
    }

    private SQLException refused(String database, String user, String password) {
        return assertThrows(SQLException.class, () -> pooler.connect(database, user, password).close());
    }

    /** The same SQLSTATE and text, the user's name aside (PgBouncer's texts do not name it). */
    private static void assertSameAnswer(SQLException expected, SQLException actual) {
        assertEquals(expected.getSQLState(), actual.getSQLState(), actual.getMessage());
        assertEquals(expected.getMessage(), actual.getMessage());
    }

    private String psql(String database, String user, String password) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(PsqlClientTest.psql().toString(), "-X", "-At", "-h", "127.0.0.1",
                "-p", String.valueOf(pooler.port()), "-U", user, "-d", database, "-c", "select 1"));
        pb.environment().put("PGPASSWORD", password);
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        return out;
    }
}
