package io.pooler.server.it;

import io.pooler.protocol.PgFrameDecoder;
import io.pooler.testing.Await;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.pool;
import static io.pooler.server.it.SessionPoolingTest.execute;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Transaction pooling with session state: with {@code pin_on_session_state = 0} (PgBouncer's
 * behaviour) the state one client leaves on a server reaches the next client of that server; with 1
 * the client keeps its server until it clears the state, and a pinned client that leaves has its
 * server reset. PgJDBC over the extended protocol (the state arrives in Parse messages) and the simple
 * one (in Query messages), through a pool smaller than the number of clients.
 */
@PoolerTest
class SessionPinningTest {
    /** A role the test user may SET ROLE to. */
    private static final String PIN_ROLE = "it_pin_role";

    private final PoolerFixture pooler;

    /**
     * @param setup   leaves the state on the server
     * @param probe   what another session sees of it: the first value, or "ERROR:" and the SQLSTATE
     * @param leaked  the probe's outcome on the server that holds the state
     * @param clean   the probe's outcome on a server without it
     * @param clear   the client's own statement that clears it
     */
    record Case(String pin, String setup, String probe, String leaked, String clean, String clear) {
        @Override
        public String toString() {
            return pin;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("session parameter", "SET search_path TO pinned_schema, public", "SHOW search_path",
                        "pinned_schema, public", "\"$user\", public", "RESET ALL"),
                new Case("prepared statement", "PREPARE pinned_stmt AS SELECT 42", "EXECUTE pinned_stmt",
                        "42", "ERROR:26000", "DEALLOCATE ALL"),
                new Case("cursor with hold", "DECLARE pinned_cur CURSOR WITH HOLD FOR SELECT 7", "FETCH pinned_cur",
                        "7", "ERROR:34000", "CLOSE ALL"),
                new Case("temp table", "CREATE TEMP TABLE pinned_t AS SELECT 5 AS a", "SELECT a FROM pinned_t",
                        "5", "ERROR:42P01", "DISCARD TEMP"),
                new Case("advisory lock", "SELECT pg_advisory_lock(4242)",
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
                        "1", "0", "SELECT pg_advisory_unlock_all()"),
                new Case("listen", "LISTEN pinned_channel", "SELECT count(*) FROM pg_listening_channels()",
                        "1", "0", "UNLISTEN *"));
    }

    SessionPinningTest(PoolerFixture pooler) {
        // listen_multiplex = 0: LISTEN then pins, as any other session state (ListenMultiplexTest covers 1).
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("listen_multiplex", "0");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void withPinningOffTheStateLeaksToTheNextClient(Case c) throws Exception {
        // One event loop: the two clients must share the pool's one server to show the leak. Across loops
        // the second client's loop would get a new server of its own (the slot donated), with no state.
        pooler.set("pin_on_session_state", "0").set("default_pool_size", "1").set("worker_threads", "1").start();
        try (Connection a = client(); Connection b = client()) {
            execute(a, c.setup());
            assertEquals(c.leaked(), outcome(b, c.probe()), "PgBouncer's behaviour: one server, shared state");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void withPinningOnOnlyTheClientThatLeftTheStateSeesIt(Case c) throws Exception {
        pooler.set("default_pool_size", "2").start();
        // The pinned client speaks the simple protocol, as psql and psycopg2 do; the others the extended one.
        try (Connection a = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD); Connection b = client();
             Connection c3 = client(); Connection admin = admin()) {
            execute(a, c.setup());
            assertEquals(c.clean(), outcome(b, c.probe()));
            assertEquals(c.clean(), outcome(c3, c.probe()));
            assertEquals(c.leaked(), outcome(a, c.probe()), "the pinned client keeps its server and its state");
            // Servers go back to the pool just after the client has its answer: wait for the counts to settle.
            Await.until(Duration.ofSeconds(10), quietly(() -> activeServers(admin) == 1), "pinned while idle");
            assertEquals(List.of(c.pin()), pinnedReasons(admin), "SHOW CLIENTS names the pin");
            assertEquals(1, intValue(pool(admin, DB, SCRAM_USER), "cl_pinned"), "SHOW POOLS counts it");

            execute(a, c.clear());
            Await.until(Duration.ofSeconds(10), quietly(() -> activeServers(admin) == 0), "cleared: the server went back");
            assertEquals(List.of(), pinnedReasons(admin));
            assertEquals(0, intValue(pool(admin, DB, SCRAM_USER), "cl_pinned"));
            for (Connection other : List.of(b, c3, a, b, c3)) {
                assertEquals(c.clean(), outcome(other, c.probe()));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aPinnedClientThatLeavesHasItsServerReset(Case c) throws Exception {
        pooler.set("default_pool_size", "1").start();
        try (Connection b = client()) {
            try (Connection a = client()) {
                execute(a, c.setup());
            }
            assertEquals(c.clean(), outcome(b, c.probe()), "the next client of that server sees a clean session");
        }
    }

    /**
     * The client clears its state in a transaction that rolls back. The scan saw the clear and unpins the
     * client, but PostgreSQL undid it (RESET ALL, DISCARD TEMP and UNLISTEN * are transactional; DEALLOCATE
     * ALL, CLOSE ALL and pg_advisory_unlock_all are not, and clear for good): the server is reset before
     * the next client gets it (one server: default_pool_size = 1, one loop).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aClearThatIsRolledBackStillResetsTheServer(Case c) throws Exception {
        pooler.set("default_pool_size", "1").set("worker_threads", "1").start();
        try (Connection a = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD); Connection b = client();
             Connection admin = admin()) {
            execute(a, c.setup());
            assertEquals(List.of(c.pin()), pinnedReasons(admin));
            execute(a, "BEGIN; " + c.clear() + "; ROLLBACK");
            Await.until(Duration.ofSeconds(10), quietly(() -> pinnedReasons(admin).isEmpty()), "the scan unpinned it");
            assertEquals(c.clean(), outcome(b, c.probe()), "the next client of that server sees a clean session");
        }
    }

    /**
     * A Query longer than the streaming threshold (64 KiB) is relayed in parts and never scanned, so
     * nothing pins its sender; what it did to the session must still not reach the next client of that
     * server: the server runs server_reset_query before it goes back (one server: default_pool_size = 1,
     * one loop). The sender, free, may lose its own state; the next client must not inherit it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aTextTooLongToScanHasItsServerResetBeforeTheNextClient(Case c) throws Exception {
        pooler.set("default_pool_size", "1").set("worker_threads", "1").start();
        String padding = "x".repeat(PgFrameDecoder.STREAM_THRESHOLD + 1024);
        try (Connection a = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD); Connection b = client();
             Connection admin = admin()) {
            execute(a, c.setup() + "; SELECT length('" + padding + "')");
            assertEquals(List.of(), pinnedReasons(admin), "the scan never saw it");
            assertEquals(c.clean(), outcome(b, c.probe()), "the next client of that server sees a clean session");
            assertEquals(1, AdminRows.rows(admin, "SHOW SERVERS").size(), "reset, not closed: the one server still serves");
        }
    }

    /**
     * PostgreSQL's RESET ALL leaves {@code role} and {@code session_authorization} alone (GUC_NO_RESET_ALL):
     * after {@code SET ROLE x; RESET ALL} the session still runs as x. So RESET ALL must not unpin it, or
     * the next client of that server would run as x. One query or two; the client leaves pinned, and its
     * server is reset before the next client gets it (one server: default_pool_size = 1, one loop).
     */
    @ParameterizedTest(name = "{0}: {3}")
    @MethodSource("identityChanges")
    void resetAllKeepsARoleOrSessionAuthorizationPinned(String pin, boolean asSuperuser, String runsAs,
                                                         List<String> setup) throws Exception {
        identityChangeStaysWithItsClient(List.of(pin), asSuperuser, runsAs, setup);
    }

    /**
     * A RESET ROLE that a ROLLBACK undoes, or that fails in an aborted transaction (25P02), leaves the role set in
     * PostgreSQL, while the scan saw the pin cleared: the client goes free, but its server is reset
     * before anyone else gets it.
     */
    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("undoneIdentityResets")
    void anUndoneRoleResetStillResetsTheServer(boolean asSuperuser, String runsAs, List<String> setup) throws Exception {
        identityChangeStaysWithItsClient(List.of(), asSuperuser, runsAs, setup);
    }

    static List<Arguments> undoneIdentityResets() {
        return List.of(
                Arguments.of(false, PIN_ROLE, List.of("SET ROLE " + PIN_ROLE, "BEGIN; RESET ROLE; ROLLBACK")),
                Arguments.of(false, PIN_ROLE, List.of("SET ROLE " + PIN_ROLE, "BEGIN", "SELECT 1/0", "RESET ROLE", "ROLLBACK")),
                Arguments.of(true, SCRAM_USER,
                        List.of("SET SESSION AUTHORIZATION " + SCRAM_USER, "BEGIN; RESET SESSION AUTHORIZATION; ROLLBACK")));
    }

    /**
     * The client runs {@code setup} and leaves; the next client of its server runs as itself.
     * {@code runsAs}: the client's identity right after the setup, as PostgreSQL has it, checked only while
     * the client is pinned (an unpinned client may already be on a reset server).
     */
    private void identityChangeStaysWithItsClient(List<String> expectedPins, boolean asSuperuser, String runsAs,
                                                  List<String> setup) throws Exception {
        String login = asSuperuser ? pooler.postgres().superuser() : SCRAM_USER;
        String password = asSuperuser ? pooler.postgres().superuserPassword() : SCRAM_PASSWORD;
        try (Connection su = pooler.postgres().connectAsSuperuser(DB); Statement s = su.createStatement()) {
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + PIN_ROLE + "') THEN "
                    + "CREATE ROLE " + PIN_ROLE + " NOLOGIN; END IF; END $$");
            s.execute("GRANT " + PIN_ROLE + " TO " + SCRAM_USER);
        }
        pooler.user(login, password).set("default_pool_size", "1").set("worker_threads", "1").start();
        try (Connection b = pooler.connect(DB, login, password); Connection admin = admin()) {
            List<String> pinned;
            try (Connection a = pooler.connectSimple(DB, login, password)) {
                for (String sql : setup) {
                    try {
                        execute(a, sql);
                    } catch (SQLException expected) {
                        // 1/0, and what follows it in the failed transaction
                    }
                }
                if (!expectedPins.isEmpty()) {
                    assertEquals(runsAs, outcome(a, "SELECT current_user"), "PostgreSQL's RESET ALL kept it");
                }
                pinned = pinnedReasons(admin);
            }
            assertEquals(login, outcome(b, "SELECT current_user"), "the next client of that server runs as itself");
            assertEquals(expectedPins, pinned, "RESET ALL does not unpin it");
        }
    }

    static List<Arguments> identityChanges() {
        return List.of(
                Arguments.of("role", false, PIN_ROLE, List.of("SET ROLE " + PIN_ROLE + "; RESET ALL")),
                Arguments.of("role", false, PIN_ROLE, List.of("SET ROLE " + PIN_ROLE, "RESET ALL")),
                Arguments.of("role", false, PIN_ROLE, List.of("SET role = " + PIN_ROLE, "RESET ALL")),
                Arguments.of("session authorization", true, SCRAM_USER,
                        List.of("SET SESSION AUTHORIZATION " + SCRAM_USER + "; RESET ALL")),
                Arguments.of("session authorization", true, SCRAM_USER,
                        List.of("SET session_authorization = " + SCRAM_USER, "RESET ALL")));
    }

    /** The non-empty pinned column of SHOW CLIENTS. */
    private static List<String> pinnedReasons(Connection admin) throws SQLException {
        return AdminRows.rows(admin, "SHOW CLIENTS").stream().map(r -> r.get("pinned"))
                .filter(p -> p != null && !p.isEmpty()).toList();
    }

    private static int activeServers(Connection admin) throws SQLException {
        return intValue(pool(admin, DB, SCRAM_USER), "sv_active");
    }

    private Connection client() throws SQLException {
        return pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
    }

    private Connection admin() throws SQLException {
        return pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
    }

    private static String outcome(Connection c, String sql) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "ERROR:" + e.getSQLState();
        }
    }
}
