package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, bug 2 (Odoo's {@code db duplicate}): a probe of a database that does not exist fails, the
 * database is created, and the next connection must reach it. As PgBouncer, a pool that never logged in
 * holds a new client and retries after server_login_retry, instead of replaying the old failure.
 */
@PoolerTest
class LoginFailureNotReplayedTest {
    private static final String NEW_DB = "it_created_later";

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    LoginFailureNotReplayedTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("server_login_retry", "3").start();
    }

    @Test
    void aDatabaseCreatedAfterAFailedProbeIsReached() throws Exception {
        try (Connection superuser = pg.connectAsSuperuser("postgres"); Statement s = superuser.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + NEW_DB);
            SQLException probe = assertThrows(SQLException.class,
                    () -> pooler.connectSimple(NEW_DB, SCRAM_USER, SCRAM_PASSWORD));
            assertTrue(probe.getMessage().contains("does not exist"), probe.getMessage());
            s.execute("CREATE DATABASE " + NEW_DB + " OWNER " + SCRAM_USER);
            try (Connection c = pooler.connectSimple(NEW_DB, SCRAM_USER, SCRAM_PASSWORD)) {
                assertEquals(NEW_DB, queryString(c, "select current_database()"));
            } finally {
                pooler.server().close();
                s.execute("DROP DATABASE IF EXISTS " + NEW_DB + " WITH (FORCE)");
            }
        }
    }
}
