package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PgBouncer's {@code track_extra_parameters} and its rules for the {@code options} startup parameter, end
 * to end with PgJDBC's {@code options}: a tracked parameter given as {@code -c name=value} is the client's
 * own on every server it gets, in transaction pooling where two clients share one server; an untracked one
 * and anything but {@code -c}/{@code --} settings refuse the login with PgBouncer's messages. The list is
 * read at start only (PgBouncer's CF_NO_RELOAD): a RELOAD that changes it keeps the running list.
 */
@PoolerTest
class TrackExtraParametersTest {
    private final PoolerFixture pooler;

    TrackExtraParametersTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("default_pool_size", "1").set("worker_threads", "1")
                .set("track_extra_parameters", "IntervalStyle, default_transaction_read_only");
    }

    private Connection connectWithOptions(String options) throws SQLException {
        Properties p = new Properties();
        p.setProperty("options", options);
        return pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD, p);
    }

    @Test
    void eachClientKeepsItsOwnValuesOnASharedServer() throws Exception {
        pooler.start();
        try (Connection mine = connectWithOptions("-c default_transaction_read_only=on -c IntervalStyle=iso_8601");
             Connection other = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            String server = queryString(mine, "select pg_backend_pid()::text");
            assertEquals(server, queryString(other, "select pg_backend_pid()::text"), "one server for both");
            for (int i = 0; i < 2; i++) {
                assertEquals("on", queryString(mine, "show default_transaction_read_only"));
                assertEquals("off", queryString(other, "show default_transaction_read_only"));
                assertEquals("iso_8601", queryString(mine, "show intervalstyle"));
                assertEquals("postgres", queryString(other, "show intervalstyle"));
            }
        }
    }

    @Test
    void untrackedAndMalformedOptionsAreRefusedWithPgBouncersMessages() throws Exception {
        pooler.start();
        SQLException untracked = assertThrows(SQLException.class, () -> connectWithOptions("-c work_mem=64MB"));
        assertTrue(untracked.getMessage().contains("unsupported startup parameter in options: work_mem"),
                untracked.getMessage());
        for (String bad : new String[] {"-b", "-c intervalstyle"}) {
            SQLException e = assertThrows(SQLException.class, () -> connectWithOptions(bad));
            assertTrue(e.getMessage().contains(
                    "unsupported options startup parameter: only '-c config=val' and '--config=val' are allowed"),
                    bad + ": " + e.getMessage());
        }
        try (Connection c = connectWithOptions("--IntervalStyle=sql_standard")) {
            assertEquals("sql_standard", queryString(c, "show intervalstyle"));
        }
    }

    /** "options" in ignore_startup_parameters lets untracked settings through (ignored), not other words. */
    @Test
    void ignoringOptionsDropsUntrackedSettingsOnly() throws Exception {
        pooler.set("ignore_startup_parameters", "extra_float_digits, options").start();
        try (Connection c = connectWithOptions("-c work_mem=64MB -c IntervalStyle=iso_8601")) {
            assertEquals("iso_8601", queryString(c, "show intervalstyle"));
            assertTrue(!"64MB".equals(queryString(c, "show work_mem")), "the untracked setting is ignored");
        }
        assertThrows(SQLException.class, () -> connectWithOptions("-b"));
    }

    @Test
    void reloadKeepsTheRunningList() throws Exception {
        pooler.start();
        pooler.set("track_extra_parameters", "IntervalStyle");
        assertEquals(Optional.empty(), pooler.reload());
        try (Connection c = connectWithOptions("-c default_transaction_read_only=on");
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("on", queryString(c, "show default_transaction_read_only"));
            String shown = rows(admin, "SHOW CONFIG").stream()
                    .filter(r -> r.get("key").equals("track_extra_parameters"))
                    .map(r -> r.get("value")).findFirst().orElseThrow();
            assertTrue(shown.contains("default_transaction_read_only"), shown);
        }
    }
}
