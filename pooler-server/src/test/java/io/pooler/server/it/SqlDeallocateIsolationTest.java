package io.pooler.server.it;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

import static io.pooler.server.it.SessionPoolingTest.execute;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The names the pooler prepares its clients' statements under on a server (max_prepared_statements)
 * are visible to any client of that server (pg_prepared_statements), and SQL-level DEALLOCATE and
 * PREPARE reach them. A client that deallocates one, or prepares its own statement under one, must
 * hurt only itself: the next client of that server runs its own statement, not 26000, and never the
 * other client's. One server (default_pool_size = 1, one loop), so the victim surely gets it next.
 */
@PoolerTest
class SqlDeallocateIsolationTest {
    private final PoolerFixture pooler;

    SqlDeallocateIsolationTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("default_pool_size", "1").set("worker_threads", "1");
    }

    /**
     * @param pinning  pin_on_session_state
     * @param attack   the attacker's queries, {@code %s} standing for the pooler's statement name (upper case,
     *                 so quoted)
     * @param firstOutcome  what the victim's statement gives the first time after the attack
     */
    static List<Arguments> attacks() {
        return List.of(
                Arguments.of("1", List.of("DEALLOCATE \"%s\""), "1"),
                Arguments.of("1", List.of("DEALLOCATE PREPARE \"%s\""), "1"),
                Arguments.of("0", List.of("DEALLOCATE \"%s\""), "1"),
                Arguments.of("0", List.of("DEALLOCATE \"%s\"; PREPARE \"%s\" AS SELECT 666"), "1"),
                // The server is reset after the DEALLOCATE's transaction; the PREPARE, in a transaction of its
                // own, then takes a name the server does not hold (as a PREPARE of a name the pooler has not
                // used there yet would). With pin_on_session_state = 0 it stays, as PgBouncer leaves it: the
                // pooler's Parse of the name fails once (42P05), never runs the attacker's statement, and
                // the server is reset before the next transaction.
                Arguments.of("0", List.of("DEALLOCATE \"%s\"", "PREPARE \"%s\" AS SELECT 666"), "ERROR:42P05"));
    }

    @ParameterizedTest(name = "pin_on_session_state={0}: {1}")
    @MethodSource("attacks")
    void aClientThatDeallocatesThePoolersStatementHurtsOnlyItself(String pinning, List<String> attack, String firstOutcome)
            throws Exception {
        pooler.set("pin_on_session_state", pinning).start();
        boolean pinned = pinning.equals("1");
        Properties named = new Properties();
        named.setProperty("prepareThreshold", "1"); // a named server-side statement from the first use
        try (Connection victim = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, named);
             PreparedStatement mine = victim.prepareStatement("SELECT 1");
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", outcome(mine));
            Connection attacker = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
            List<String> attackerPins;
            try {
                String name = poolersStatement(attacker);
                for (String sql : attack) {
                    execute(attacker, sql.replace("%s", name));
                }
                attackerPins = AdminRows.rows(admin, "SHOW CLIENTS").stream().map(r -> r.get("pinned"))
                        .filter(p -> p != null && !p.isEmpty()).toList();
            } finally {
                if (pinned) {
                    attacker.close(); // it keeps the only server until it leaves
                }
            }
            try {
                assertEquals(firstOutcome, outcome(mine), "the victim runs its own statement on the server the attacker used");
                assertEquals("1", outcome(mine));
            } finally {
                attacker.close();
            }
            assertEquals(pinned ? List.of("prepared statement") : List.of(), attackerPins,
                    "SQL DEALLOCATE of a name pins as PREPARE does");
        }
    }

    /** The name the pooler gave the victim's statement on the server they share. */
    private static String poolersStatement(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM pg_prepared_statements WHERE name LIKE 'POOLER\\_%'")) {
            assertTrue(rs.next(), "the pooler's statement is on the server");
            return rs.getString(1);
        }
    }

    private static String outcome(PreparedStatement p) {
        try (ResultSet rs = p.executeQuery()) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "ERROR:" + e.getSQLState();
        }
    }
}
