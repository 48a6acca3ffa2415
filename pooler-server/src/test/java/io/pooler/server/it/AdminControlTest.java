package io.pooler.server.it;

import io.pooler.server.PoolerServer;
import io.pooler.testing.Await;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.pool;
import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each control command's effect, observed through real clients and SHOW commands. */
@PoolerTest
class AdminControlTest {
    private final PoolerFixture pooler;

    AdminControlTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction");
    }

    private Connection admin() throws SQLException {
        return pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
    }

    private Connection client() throws SQLException {
        return pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
    }

    /** Runs a query or an admin command on its own thread: its first value, or "" for a command. */
    private static CompletableFuture<String> async(Connection c, String sql) {
        // Not the common pool: with two cores it runs one task at a time.
        return CompletableFuture.supplyAsync(() -> {
            try {
                List<Map<String, String>> rows = rows(c, sql);
                return rows.isEmpty() ? "" : rows.get(0).values().iterator().next();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> new Thread(runnable, "admin-test").start());
    }

    @Test
    void pauseWaitsForTheRunningTransactionAndHoldsQueriesUntilResume() throws Exception {
        pooler.start();
        try (Connection inTx = client(); Connection later = client(); Connection admin = admin();
             Connection admin2 = admin()) {
            queryString(later, "select 1");
            inTx.setAutoCommit(false);
            queryString(inTx, "select 1");
            CompletableFuture<String> pause = async(admin, "PAUSE " + DB + ";");
            Thread.sleep(300); // a chance for PAUSE to end too early, which it must not take
            assertFalse(pause.isDone(), "PAUSE waits for the open transaction");
            inTx.commit();
            pause.get(5, TimeUnit.SECONDS);
            assertEquals(0, intValue(pool(admin2, DB, SCRAM_USER), "sv_idle"), "servers are closed");
            assertEquals("1", rows(admin2, "SHOW DATABASES").stream().filter(r -> r.get("name").equals(DB))
                    .findFirst().orElseThrow().get("paused"));

            CompletableFuture<String> held = async(later, "select 42");
            Await.until(Duration.ofSeconds(10), quietly(() -> intValue(pool(admin2, DB, SCRAM_USER), "cl_waiting") == 1),
                    "the query is queued while paused");
            assertFalse(held.isDone(), "a query waits while paused");
            assertEquals(1, intValue(pool(admin2, DB, SCRAM_USER), "cl_waiting"));
            SQLException suspend = assertThrows(SQLException.class, () -> rows(admin2, "SUSPEND"));
            assertTrue(suspend.getMessage().contains("cannot suspend with paused databases"), suspend.getMessage());
            rows(admin2, "RESUME " + DB);
            assertEquals("42", held.get(5, TimeUnit.SECONDS));
            SQLException notPaused = assertThrows(SQLException.class, () -> rows(admin2, "RESUME " + DB));
            assertTrue(notPaused.getMessage().contains("is not paused"), notPaused.getMessage());
        }
    }

    @Test
    void globalPauseShowsInShowStateAndResumeEndsIt() throws Exception {
        pooler.start();
        try (Connection c = client(); Connection admin = admin(); Connection admin2 = admin()) {
            queryString(c, "select 1");
            rows(admin, "PAUSE");
            assertEquals("yes", stateOf(admin2, "paused"));
            CompletableFuture<String> held = async(c, "select 7");
            assertThrows(TimeoutException.class, () -> held.get(300, TimeUnit.MILLISECONDS));
            rows(admin2, "RESUME");
            assertEquals("7", held.get(5, TimeUnit.SECONDS));
            assertEquals("yes", stateOf(admin2, "active"));
            SQLException e = assertThrows(SQLException.class, () -> rows(admin2, "RESUME"));
            assertTrue(e.getMessage().contains("not paused"), e.getMessage());
        }
    }

    private static String stateOf(Connection admin, String key) throws SQLException {
        return rows(admin, "SHOW STATE").stream().filter(r -> r.get("key").equals(key)).findFirst().orElseThrow()
                .get("value");
    }

    @Test
    void killDropsThePoolsClientsAndNewOnesWaitForResume() throws Exception {
        pooler.start();
        try (Connection victim = client(); Connection admin = admin()) {
            queryString(victim, "select 1");
            rows(admin, "KILL " + DB);
            SQLException dropped = assertThrows(SQLException.class, () -> queryString(victim, "select 1"));
            assertTrue(dropped.getSQLState().startsWith("08") || dropped.getSQLState().equals("57P01"),
                    dropped.getSQLState() + " " + dropped.getMessage());
            // The connections close as their event loops get to it (a refused client is given a moment to
            // read its error), so the pool empties shortly after KILL answers.
            Await.until(Duration.ofSeconds(5), quietly(() -> used(pool(admin, DB, SCRAM_USER)) == 0),
                    () -> "the pool empties after KILL: " + quietlyShow(admin));
            Map<String, String> p = pool(admin, DB, SCRAM_USER);
            assertEquals(0, used(p), p.toString());
            // PgJDBC's first SET at connect already waits: the login completes, the first query is held.
            CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> {
                try (Connection newcomer = client()) {
                    return queryString(newcomer, "select 3");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> new Thread(runnable, "newcomer").start());
            assertThrows(TimeoutException.class, () -> held.get(300, TimeUnit.MILLISECONDS));
            rows(admin, "RESUME");
            assertEquals("3", held.get(5, TimeUnit.SECONDS));
        }
    }

    private static String quietlyShow(Connection admin) {
        try {
            return pool(admin, DB, SCRAM_USER).toString();
        } catch (SQLException | AssertionError e) {
            return e.toString();
        }
    }

    /** True when a query on {@code c} fails (after KILL_CLIENT: the connection was closed under it). */
    private static boolean failsQuery(Connection c) {
        try {
            queryString(c, "select 1");
            return false;
        } catch (SQLException e) {
            return true;
        }
    }

    private static int used(Map<String, String> pool) {
        return intValue(pool, "cl_active") + intValue(pool, "sv_active") + intValue(pool, "sv_idle");
    }

    @Test
    void killClientDropsOneClientById() throws Exception {
        pooler.start();
        try (Connection victim = client(); Connection bystander = client(); Connection admin = admin()) {
            queryString(victim, "select 1");
            queryString(bystander, "select 1");
            List<Map<String, String>> clients = rows(admin, "SHOW CLIENTS");
            String victimId = clients.stream().filter(r -> r.get("database").equals(DB)).findFirst().orElseThrow()
                    .get("id");
            rows(admin, "KILL_CLIENT " + victimId);
            Await.until(Duration.ofSeconds(10), () -> failsQuery(victim), "the killed client's next query fails");
            int alive = 0;
            for (Connection c : List.of(victim, bystander)) {
                try {
                    queryString(c, "select 1");
                    alive++;
                } catch (SQLException e) {
                    assertTrue(e.getMessage() != null);
                }
            }
            assertEquals(1, alive, "exactly one of the two clients was dropped");
            SQLException unknown = assertThrows(SQLException.class, () -> rows(admin, "KILL_CLIENT 999999"));
            assertTrue(unknown.getMessage().contains("client not found"));
        }
    }

    @Test
    void disableRefusesNewClientsUntilEnable() throws Exception {
        pooler.start();
        try (Connection open = client(); Connection admin = admin()) {
            rows(admin, "DISABLE " + DB);
            SQLException refused = assertThrows(SQLException.class, this::client);
            assertTrue(refused.getMessage().contains("database \"" + DB + "\" is disabled"), refused.getMessage());
            assertEquals("1", queryString(open, "select 1"), "connected clients stay");
            rows(admin, "ENABLE " + DB);
            try (Connection again = client()) {
                assertEquals("1", queryString(again, "select 1"));
            }
            SQLException noDb = assertThrows(SQLException.class, () -> rows(admin, "DISABLE"));
            assertTrue(noDb.getMessage().contains("a database is required"));
            SQLException console = assertThrows(SQLException.class, () -> rows(admin, "DISABLE pgbouncer"));
            assertTrue(console.getMessage().contains("cannot disable admin db"));
        }
    }

    @Test
    void reconnectAndWaitCloseReplaceTheServers() throws Exception {
        pooler.set("pool_mode", "session").start();
        try (Connection c = client(); Connection admin = admin()) {
            String before = queryString(c, "select pg_backend_pid()");
            rows(admin, "RECONNECT " + DB);
            assertEquals("1", rows(admin, "SHOW SERVERS").get(0).get("close_needed"));
            CompletableFuture<String> waitClose = async(admin, "WAIT_CLOSE " + DB);
            assertThrows(TimeoutException.class, () -> waitClose.get(300, TimeUnit.MILLISECONDS));
            c.close();
            waitClose.get(5, TimeUnit.SECONDS);
            try (Connection again = client()) {
                assertFalse(before.equals(queryString(again, "select pg_backend_pid()")), "a new server");
            }
        }
    }

    @Test
    void reloadAppliesAChangedPoolSizeToARunningPool() throws Exception {
        pooler.start();
        List<Connection> clients = new ArrayList<>();
        try (Connection admin = admin()) {
            for (int i = 0; i < 3; i++) {
                clients.add(client()); // the pool exists, with pool_size 5
            }
            pooler.set("default_pool_size", "2").writeFiles();
            rows(admin, "RELOAD");
            List<CompletableFuture<String>> sleeps = new ArrayList<>();
            for (Connection c : clients) {
                sleeps.add(async(c, "select pg_sleep(1.5)::text"));
            }
            // The second server may still be logging in when the third client starts waiting: wait for both.
            Await.until(Duration.ofSeconds(10), quietly(() -> {
                Map<String, String> row = pool(admin, DB, SCRAM_USER);
                return intValue(row, "cl_waiting") == 1 && intValue(row, "sv_active") == 2;
            }), "two servers active and the third client waiting");
            Map<String, String> p = pool(admin, DB, SCRAM_USER);
            assertEquals(2, intValue(p, "sv_active"), "pool_size 2 after RELOAD: " + p);
            assertEquals(1, intValue(p, "cl_waiting"));
            for (CompletableFuture<String> f : sleeps) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            for (Connection c : clients) {
                c.close();
            }
        }
    }

    @Test
    void aBadReloadKeepsTheRunningConfig() throws Exception {
        pooler.set("default_pool_size", "4").start();
        try (Connection admin = admin()) {
            Files.writeString(pooler.dir().resolve("pooler.ini"), "[pgbouncer]\nno_such_key = 1\n");
            SQLException e = assertThrows(SQLException.class, () -> rows(admin, "RELOAD"));
            assertEquals("F0000", e.getSQLState());
            assertTrue(e.getMessage().contains("RELOAD failed, see logs for additional details"), e.getMessage());
            assertEquals("4", configValue(admin, "default_pool_size"));
            try (Connection c = client()) {
                assertEquals("1", queryString(c, "select 1"), "the old config still serves");
            }
        }
    }

    @Test
    void setChangesOnlineKeysAndRefusesTheOthers() throws Exception {
        pooler.start();
        try (Connection admin = admin()) {
            rows(admin, "SET default_pool_size = 3");
            assertEquals("3", configValue(admin, "default_pool_size"));
            rows(admin, "SET server_reset_query TO 'DISCARD ALL'");
            SQLException fixed = assertThrows(SQLException.class, () -> rows(admin, "SET listen_port = 1"));
            assertTrue(fixed.getMessage().contains("SET failed"), fixed.getMessage());
            SQLException bad = assertThrows(SQLException.class, () -> rows(admin, "SET default_pool_size = lots"));
            assertTrue(bad.getMessage().contains("SET failed"), bad.getMessage());
            assertEquals("3", configValue(admin, "default_pool_size"));
        }
    }

    private static String configValue(Connection admin, String key) throws SQLException {
        return rows(admin, "SHOW CONFIG").stream().filter(r -> r.get("key").equals(key)).findFirst().orElseThrow()
                .get("value");
    }

    @Test
    void shutdownWaitForClientsStopsOnceTheLastClientLeaves() throws Exception {
        pooler.start();
        Connection c = client();
        queryString(c, "select 1");
        try (Connection admin = admin()) {
            rows(admin, "SHUTDOWN WAIT_FOR_CLIENTS");
        }
        Thread.sleep(300); // a chance for the shutdown to end too early, which it must not take
        assertFalse(pooler.server().terminated().isDone(), "a client is still connected");
        c.close();
        pooler.server().terminated().get(20, TimeUnit.SECONDS);
    }

    /**
     * WAIT_FOR_CLIENTS ends when no client connection is open, whatever the count behind max_client_conn
     * says: a count left one too high (a close it missed; seen once, in a process that then never ended
     * on SIGTERM) must not keep the process up. The count is put off by hand here.
     */
    @Test
    void shutdownWaitForClientsEndsWhenNoClientIsOpenEvenIfTheCountIsOff() throws Exception {
        pooler.start();
        try (Connection c = client()) {
            queryString(c, "select 1");
        }
        Await.until(Duration.ofSeconds(5), () -> pooler.server().clientCount() == 0, "the client counted out");
        AtomicInteger count = clientCounter(pooler.server());
        count.incrementAndGet();
        try {
            pooler.server().shutdownWaitForClients();
            pooler.server().terminated().get(10, TimeUnit.SECONDS);
        } finally {
            count.decrementAndGet();
        }
    }

    /** The count of client connections, reached by reflection: no caller of the pooler may change it. */
    private static AtomicInteger clientCounter(PoolerServer server) throws ReflectiveOperationException {
        Field wiring = PoolerServer.class.getDeclaredField("wiring");
        wiring.setAccessible(true);
        Object w = wiring.get(server);
        Field count = w.getClass().getDeclaredField("clientCount");
        count.setAccessible(true);
        return (AtomicInteger) count.get(w);
    }

    @Test
    void suspendStopsReadingUntilResume() throws Exception {
        pooler.start();
        try (Connection c = client(); Connection admin = admin()) {
            queryString(c, "select 1");
            rows(admin, "SUSPEND");
            CompletableFuture<String> held = async(c, "select 5");
            assertThrows(TimeoutException.class, () -> held.get(300, TimeUnit.MILLISECONDS));
            rows(admin, "RESUME");
            assertEquals("5", held.get(5, TimeUnit.SECONDS));
        }
    }
}
