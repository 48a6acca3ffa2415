package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLWarning;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * login_notify_message (PgBouncer's master, after 1.25.2): every client, console ones included, gets the
 * message as a NOTICE (SQLSTATE 00000) in its welcome; empty (the default) sends none; RELOAD changes it.
 */
@PoolerTest
class LoginNotifyMessageTest {
    private static final String MESSAGE = "You are connected to Pooler, not to PostgreSQL directly";
    private final PoolerFixture pooler;

    LoginNotifyMessageTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER);
    }

    /** The notices PgJDBC collected while logging in (a connection's warnings). */
    private static List<String> loginNotices(Connection c) throws Exception {
        List<String> seen = new ArrayList<>();
        for (SQLWarning w = c.getWarnings(); w != null; w = w.getNextWarning()) {
            seen.add(w.getSQLState() + " " + w.getMessage());
        }
        return seen;
    }

    @Test
    void everyClientGetsItAtLogin() throws Exception {
        pooler.set("login_notify_message", MESSAGE).start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection console = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(List.of("00000 " + MESSAGE), loginNotices(c));
            assertEquals("1", queryString(c, "select 1"), "the session goes on as usual");
            assertEquals(List.of("00000 " + MESSAGE), loginNotices(console));
        }
    }

    @Test
    void noneByDefaultAndReloadSetsIt() throws Exception {
        pooler.start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(List.of(), loginNotices(c));
        }
        pooler.set("login_notify_message", MESSAGE);
        assertEquals(Optional.empty(), pooler.reload());
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(List.of("00000 " + MESSAGE), loginNotices(c));
        }
    }
}
