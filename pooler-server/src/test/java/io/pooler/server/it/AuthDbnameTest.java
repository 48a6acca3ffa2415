package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.AuthQueryTest.AUTH_PASSWORD;
import static io.pooler.server.it.AuthQueryTest.AUTH_USER;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * auth_dbname in PgBouncer 1.25's forms (client.c prepare_auth_database, util.c cf_set_authdb): global
 * or per database; the reserved {@code pgbouncer} name refused when the file loads (global) or at login
 * (per database, "bouncer config error"); an entry that does not exist is a "bouncer config error"; a
 * disabled one is named. Users found by auth_query count towards max_db_client_connections and
 * max_user_client_connections with PgBouncer's texts.
 */
@PoolerTest
class AuthDbnameTest {
    private final PostgresInstance pg;
    private final PoolerFixture pooler;
    private final String server;

    AuthDbnameTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        this.pg = pg;
        pg.createRole(AUTH_USER, AUTH_PASSWORD, "scram-sha-256");
        try (Connection c = pg.connectAsSuperuser("postgres"); Statement s = c.createStatement()) {
            s.execute("ALTER ROLE " + AUTH_USER + " SUPERUSER"); // the default auth_query reads pg_authid
        }
        this.server = "host=" + pg.host() + " port=" + pg.port();
        // Only the auth_user and the console's admin are in the auth file: SCRAM_USER is found by auth_query.
        this.pooler = pooler.set("auth_user", AUTH_USER).user(AUTH_USER, AUTH_PASSWORD).set("admin_users", AUTH_USER)
                .database("authdb", server + " dbname=postgres");
    }

    private Connection login() throws SQLException {
        return pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
    }

    @Test
    void theGlobalAuthDbnameRunsTheLookup() throws Exception {
        pooler.set("auth_dbname", "authdb").start();
        try (Connection c = login()) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }
        assertTrue(pooler.server().poolSnapshots().stream()
                .anyMatch(p -> p.key().database().equals("authdb") && p.key().user().equals(AUTH_USER)));
    }

    @Test
    void theReservedNameIsRefusedWhenTheFileLoads() {
        pooler.set("auth_dbname", "pgbouncer");
        Exception e = assertThrows(Exception.class, pooler::start);
        assertTrue(e.getMessage().contains("cannot use the reserved \"pgbouncer\" database as an auth_dbname"),
                e.getMessage());
    }

    @Test
    void theReservedNameGivenPerDatabaseIsABouncerConfigErrorAtLogin() throws Exception {
        pooler.database(DB, server + " auth_dbname=pgbouncer").start();
        SQLException e = assertThrows(SQLException.class, this::login);
        assertEquals("FATAL: bouncer config error", e.getMessage());
    }

    @Test
    void anAuthDatabaseThatIsNotConfiguredIsABouncerConfigError() throws Exception {
        pooler.databases().remove("*");
        pooler.database(DB, server + " auth_dbname=nowhere").start();
        SQLException e = assertThrows(SQLException.class, this::login);
        assertEquals("FATAL: bouncer config error", e.getMessage());
    }

    @Test
    void aDisabledAuthDatabaseIsNamed() throws Exception {
        pooler.set("auth_dbname", "authdb").start();
        try (Connection admin = pooler.connectSimple("pgbouncer", AUTH_USER, AUTH_PASSWORD)) {
            rows(admin, "DISABLE authdb");
        }
        SQLException e = assertThrows(SQLException.class, this::login);
        assertEquals("FATAL: authentication database \"authdb\" is disabled", e.getMessage());
    }

    @Test
    void usersFoundByAuthQueryCountTowardsTheUserClientLimit() throws Exception {
        pooler.set("max_user_client_connections", "1").start();
        try (Connection first = login()) {
            assertEquals("1", queryString(first, "select 1"));
            SQLException e = assertThrows(SQLException.class, this::login);
            assertEquals("FATAL: client connections exceeded (max_user_client_connections)", e.getMessage());
        }
        try (Connection again = login()) {
            assertEquals("2", queryString(again, "select 2"), "the slot is given back at close");
        }
    }

    @Test
    void usersFoundByAuthQueryCountTowardsTheDatabaseClientLimit() throws Exception {
        pooler.database(DB, server + " max_db_client_connections=1").start();
        try (Connection first = login()) {
            assertEquals("1", queryString(first, "select 1"));
            SQLException e = assertThrows(SQLException.class, this::login);
            assertEquals("FATAL: client connections exceeded (max_db_client_connections)", e.getMessage());
        }
    }

    @Test
    void authTypeAnyWithoutAForcedUserIsABouncerConfigError() throws Exception {
        pooler.set("auth_type", "any").start();
        SQLException e = assertThrows(SQLException.class, this::login);
        assertEquals("FATAL: bouncer config error", e.getMessage());
    }
}
