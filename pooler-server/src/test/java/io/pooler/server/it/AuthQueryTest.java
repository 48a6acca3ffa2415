package io.pooler.server.it;

import io.pooler.pool.PoolSnapshot;
import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
 * auth_user + auth_query against the real PostgreSQL: users missing from auth_file are looked up in
 * pg_authid through a server of the auth_user's pool.
 */
@PoolerTest
class AuthQueryTest {
    static final String AUTH_USER = "it_auth";
    static final String AUTH_PASSWORD = "auth-secret";
    private static final String EXPIRED_USER = "it_expired";

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    AuthQueryTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        this.pg = pg;
        pg.createRole(AUTH_USER, AUTH_PASSWORD, "scram-sha-256");
        pg.createRole(EXPIRED_USER, "expired-secret", "scram-sha-256");
        try (Connection c = pg.connectAsSuperuser("postgres"); Statement s = c.createStatement()) {
            // The default auth_query reads pg_authid, which takes a superuser.
            s.execute("ALTER ROLE " + AUTH_USER + " SUPERUSER");
            s.execute("ALTER ROLE " + EXPIRED_USER + " VALID UNTIL '2001-01-01'");
        }
        // Only the auth_user is in the auth file.
        this.pooler = pooler.set("auth_user", AUTH_USER).user(AUTH_USER, AUTH_PASSWORD);
    }

    @Test
    void scramUserMissingFromTheAuthFileLogsInWithItsPostgresVerifier() throws Exception {
        pooler.start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }
        List<String> pools = pooler.server().poolSnapshots().stream().map(p -> p.key().toString()).toList();
        PoolSnapshot authPool = pooler.server().poolSnapshots().stream()
                .filter(p -> p.key().user().equals(AUTH_USER)).findFirst().orElseThrow(() -> new AssertionError(pools));
        assertEquals(DB, authPool.key().database());
        assertEquals(1, authPool.svIdle(), "the lookup's server went back to the auth_user's pool");
    }

    @Test
    void md5UserLogsInWithItsPostgresHash() throws Exception {
        pooler.set("auth_type", "md5").start();
        try (Connection c = pooler.connect(DB, MD5_USER, MD5_PASSWORD)) {
            assertEquals(MD5_USER, queryString(c, "select current_user"));
        }
    }

    @Test
    void missingExpiredAndWrongPasswordAllGetTheSameAnswer() throws Exception {
        pooler.start();
        SQLException missing = assertThrows(SQLException.class, () -> pooler.connect(DB, "ghost", "x"));
        SQLException expired = assertThrows(SQLException.class, () -> pooler.connect(DB, EXPIRED_USER, "expired-secret"));
        SQLException wrong = assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, "wrong"));
        assertEquals("FATAL: SASL authentication failed", missing.getMessage());
        assertEquals(wrong.getMessage(), missing.getMessage());
        assertEquals(wrong.getMessage(), expired.getMessage());
        assertEquals("28P01", missing.getSQLState());
        assertEquals("28P01", expired.getSQLState());
        assertEquals("28P01", wrong.getSQLState());
    }

    @Test
    void theUserNameIsAParameterNeverSql() throws Exception {
        pooler.start();
        // Spliced into the query this would be a syntax error ("auth query failed"); bound, it is just a name.
        SQLException e = assertThrows(SQLException.class, () -> pooler.connect(DB, "x' OR '1'='1", "x"));
        assertEquals("28P01", e.getSQLState());
        assertEquals("FATAL: SASL authentication failed", e.getMessage());
    }

    @Test
    void aFailingLookupIsACleanLoginError() throws Exception {
        pooler.set("auth_query", "SELECT usename, passwd FROM no_such_table WHERE usename = $1").start();
        SQLException e = assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD));
        assertEquals("28000", e.getSQLState());
        assertEquals("FATAL: auth query failed", e.getMessage());
        // The auth_user itself is in the auth file and logs in normally.
        try (Connection c = pooler.connect(DB, AUTH_USER, AUTH_PASSWORD)) {
            assertEquals(AUTH_USER, queryString(c, "select current_user"));
        }
    }

    @Test
    void wrongAuthUserPasswordIsACleanLoginError() throws Exception {
        pooler.user(AUTH_USER, "not-the-password").start();
        SQLException e = assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD));
        assertEquals("FATAL: auth query failed", e.getMessage());
    }

    @Test
    void perDatabaseAuthUserQueryAndDbname() throws Exception {
        String server = "host=" + pg.host() + " port=" + pg.port();
        pooler.set("auth_user", "")
                .database("authdb", server + " dbname=postgres")
                .database(DB, server + " auth_user=" + AUTH_USER + " auth_dbname=authdb"
                        + " auth_query='SELECT usename, passwd FROM pg_shadow WHERE usename = $1'")
                .start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }
        assertTrue(pooler.server().poolSnapshots().stream()
                .anyMatch(p -> p.key().database().equals("authdb") && p.key().user().equals(AUTH_USER)));
        // Another database of the same server has no auth_user: nobody is looked up there.
        SQLException e = assertThrows(SQLException.class, () -> pooler.connect("postgres", SCRAM_USER, SCRAM_PASSWORD));
        assertEquals("28P01", e.getSQLState());
    }

    @Test
    void manyLoginsAtOnceShareTheAuthPool() throws Exception {
        pooler.set("default_pool_size", "2").start();
        ExecutorService clients = Executors.newFixedThreadPool(12);
        try {
            List<Future<String>> logins = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                logins.add(clients.submit(() -> {
                    try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
                        return queryString(c, "select current_user");
                    }
                }));
            }
            for (Future<String> login : logins) {
                assertEquals(SCRAM_USER, login.get());
            }
        } finally {
            clients.shutdownNow();
        }
        PoolSnapshot authPool = pooler.server().poolSnapshots().stream()
                .filter(p -> p.key().user().equals(AUTH_USER)).findFirst().orElseThrow();
        assertTrue(authPool.svIdle() + authPool.svUsed() <= 2, authPool.toString());
    }

    /**
     * A lookup still running when the login's time is up (client_login_timeout, which bounds the lookup
     * too): the login fails, the lookup's server is closed rather than given back mid-query, and the
     * auth_user's pool counts what PostgreSQL has and serves its own user afterwards.
     */
    @Test
    void aLookupThatOutlivesTheLoginTimeoutFailsTheLoginAndLeavesTheAuthPoolClean() throws Exception {
        pooler.set("client_login_timeout", "1").set("default_pool_size", "2")
                .set("auth_query", "SELECT usename, passwd FROM pg_shadow WHERE usename = $1 AND (SELECT true FROM pg_sleep(3))")
                .start();
        for (int i = 0; i < 3; i++) {
            SQLException e = assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD));
            assertTrue(e.getSQLState() != null && (e.getSQLState().startsWith("08") || e.getSQLState().equals("28000")),
                    "a login error: " + e.getSQLState() + " " + e.getMessage());
        }
        try (Connection su = pg.connectAsSuperuser("postgres")) {
            Await.until(Duration.ofSeconds(20), Await.quietly(() -> {
                PoolSnapshot authPool = authPool();
                int sessions = Integer.parseInt(queryString(su, "select count(*) from pg_stat_activity where usename = '"
                        + AUTH_USER + "' and datname = '" + DB + "'"));
                return authPool.svActive() == 0 && authPool.clActive() == 0 && authPool.clWaiting() == 0
                        && authPool.svIdle() + authPool.svUsed() + authPool.svTested() + authPool.svLogin() == sessions;
            }), () -> "the auth pool settles and counts the sessions PostgreSQL has: " + authPool());
        }
        try (Connection c = pooler.connect(DB, AUTH_USER, AUTH_PASSWORD)) {
            assertEquals(AUTH_USER, queryString(c, "select current_user"));
        }
    }

    private PoolSnapshot authPool() {
        return pooler.server().poolSnapshots().stream().filter(p -> p.key().user().equals(AUTH_USER)).findFirst()
                .orElseThrow();
    }
}
