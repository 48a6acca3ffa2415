package io.pooler.server.it;

import io.pooler.testing.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * PgBouncer's {@code connect_query} in {@code [databases]}: "Query to be executed after a connection is
 * established, but before allowing the connection to be used by any clients. If the query raises errors,
 * they are logged but ignored otherwise." A RELOAD that changes it replaces the database's servers, as
 * PgBouncer tags the database dirty.
 */
@PoolerTest
class ConnectQuerySettingTest {
    private final PoolerFixture pooler;

    ConnectQuerySettingTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD);
    }

    /** Each server writes its pid and the connect_query's tag here, so the client can see what ran on it. */
    @BeforeEach
    void logTable() throws Exception {
        try (Connection su = pooler.postgres().connectAsSuperuser(DB); Statement s = su.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS connect_query_log (pid int, tag int)");
            s.execute("GRANT ALL ON connect_query_log TO PUBLIC");
        }
    }

    private String entry(String connectQuery) {
        return "host=" + pooler.postgres().host() + " port=" + pooler.postgres().port() + " dbname=" + DB
                + " connect_query='" + connectQuery.replace("'", "''") + "'";
    }

    private static String tagsOfMyServer(Connection c) throws Exception {
        return queryString(c, "select coalesce(string_agg(tag::text, ',' order by tag), '')"
                + " from connect_query_log where pid = pg_backend_pid()");
    }

    /** Several statements, one returning rows: all run before the client's first query, none of it reaches the client. */
    @Test
    void runsOnEachNewServerBeforeTheClient() throws Exception {
        pooler.database(DB, entry("SELECT 42; INSERT INTO connect_query_log SELECT pg_backend_pid(), 1")).start();
        try (Connection a = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection b = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", tagsOfMyServer(a), "connect_query ran once on the first client's server");
            assertEquals("1", tagsOfMyServer(b), "and once on the second's");
            assertEquals("7", queryString(a, "select 7"), "the client's own answers are not mixed with connect_query's");
        }
    }

    @Test
    void anErrorIsLoggedAndIgnored() throws Exception {
        pooler.database(DB, entry("SELECT 1/0")).start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("2", queryString(c, "select 1 + 1"));
            assertEquals("0", queryString(c, "select count(*) from pg_stat_activity where pid = pg_backend_pid()"
                    + " and state = 'idle in transaction (aborted)'"), "the server is usable");
        }
    }

    @Test
    void reloadWithANewQueryReplacesTheServers() throws Exception {
        pooler.database(DB, entry("INSERT INTO connect_query_log SELECT pg_backend_pid(), 1")).start();
        String firstPid;
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            firstPid = queryString(c, "select pg_backend_pid()::text");
            assertEquals("1", tagsOfMyServer(c));
        }
        pooler.database(DB, entry("INSERT INTO connect_query_log SELECT pg_backend_pid(), 2"));
        assertEquals(Optional.empty(), pooler.reload());
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertNotEquals(firstPid, queryString(c, "select pg_backend_pid()::text"),
                    "the server made with the old connect_query is not reused");
            assertEquals("2", tagsOfMyServer(c), "the new server ran the new connect_query");
        }
        try (Connection su = pooler.postgres().connectAsSuperuser(DB)) {
            Await.until(Duration.ofSeconds(10), quietly(() -> "0".equals(queryString(su,
                    "select count(*) from pg_stat_activity where pid = " + firstPid))), "the old server is closed");
        }
    }
}
