package io.pooler.server.it;

import io.pooler.pool.Pool;
import io.pooler.pool.PoolSnapshot;
import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.PythonClients.PYTHON;
import static io.pooler.server.it.PythonClients.importable;
import static io.pooler.server.it.SessionPoolingTest.execute;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * LISTEN/NOTIFY in transaction pooling (listen_multiplex, on by default): LISTEN is answered by the
 * pooler, one server connection of the pool listens for every client, and each notification reaches
 * the clients subscribed to its channel, between their transactions, in PostgreSQL's order.
 */
@PoolerTest
class ListenMultiplexTest {
    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    ListenMultiplexTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("pool_mode", "transaction");
    }

    @Test
    void manyListenersShareOneServerAndEachGetsItsChannel() throws Exception {
        pooler.set("default_pool_size", "2").set("admin_users", SCRAM_USER).start();
        List<Connection> clients = new ArrayList<>();
        try (Connection outside = pg.connectAsSuperuser(DB)) {
            for (int i = 0; i < 8; i++) {
                Connection c = client();
                clients.add(c);
                execute(c, "LISTEN " + (i % 2 == 0 ? "even" : "\"Odd\""));
            }
            assertEquals(1, listenerBackends(outside), "one listening server for the pool");
            // The pool of 2 still serves queries: one server listens, the other is shared.
            for (Connection c : clients) {
                assertEquals("1", queryString(c, "select 1"));
            }
            execute(outside, "NOTIFY even, 'e1'");
            execute(outside, "NOTIFY \"Odd\", 'o1'");
            execute(outside, "NOTIFY even, 'e2'");
            for (int i = 0; i < clients.size(); i++) {
                List<String> expected = i % 2 == 0 ? List.of("even:e1", "even:e2") : List.of("Odd:o1");
                assertEquals(expected, receive(clients.get(i), expected.size()), "client " + i);
            }
            try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
                List<Map<String, String>> rows = AdminRows.rows(admin, "SHOW LISTENERS");
                assertEquals(List.of("Odd", "even"), rows.stream().map(r -> r.get("channel")).toList());
                for (Map<String, String> row : rows) {
                    assertEquals("4", row.get("subscribers"), row.toString());
                    assertEquals("12", row.get("delivered"), "4 clients x 1 + 4 clients x 2: " + row);
                    assertTrue(row.get("server").startsWith("S-"), row.toString());
                }
            }
        } finally {
            closeAll(clients);
        }
    }

    /**
     * SHOW LISTENERS reads each hub on the hub's own loop. While that loop is busy (here: a task that
     * sleeps 3 s), the rows are a future that completes once the loop has answered: the caller is not
     * blocked, and consoles on either loop list the hub's channels rather than leave it out. Each loop
     * is made busy in turn, with consoles on both loops.
     */
    @Test
    void showListenersWaitsForABusyHubLoopWithoutLeavingItOut() throws Exception {
        pooler.set("default_pool_size", "2").set("admin_users", SCRAM_USER).set("worker_threads", "2").start();
        List<Connection> consoles = new ArrayList<>();
        try (Connection c = client()) {
            execute(c, "LISTEN busy");
            for (int i = 0; i < 4; i++) {
                consoles.add(pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD));
            }
            boolean waitedForABusyHub = false;
            for (io.netty.util.concurrent.EventExecutor loop : pooler.server().eventLoops()) {
                java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
                loop.execute(() -> {
                    busy.countDown();
                    try {
                        Thread.sleep(3000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                assertTrue(busy.await(30, TimeUnit.SECONDS));
                var rows = pooler.server().listenerHubs().views();
                waitedForABusyHub |= !rows.isDone();
                assertEquals(List.of("busy"), rows.get(60, TimeUnit.SECONDS).stream()
                        .map(io.pooler.admin.ListenerView::channel).toList());
                List<java.util.concurrent.CompletableFuture<List<String>>> answers = new ArrayList<>();
                for (Connection console : consoles) {
                    answers.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            return AdminRows.rows(console, "SHOW LISTENERS").stream().map(r -> r.get("channel")).toList();
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                }
                for (var answer : answers) {
                    assertEquals(List.of("busy"), answer.get(60, TimeUnit.SECONDS));
                }
            }
            assertTrue(waitedForABusyHub, "the hub's loop was busy once: its rows came later, nobody waited");
        } finally {
            closeAll(consoles);
        }
    }

    @Test
    void aClientHearsItsOwnNotifyRightAfterItsListen() throws Exception {
        pooler.set("default_pool_size", "2").start();
        try (Connection c = client()) {
            execute(c, "LISTEN self");
            execute(c, "NOTIFY self, 'me'"); // through the pool's other server, right after the LISTEN
            assertEquals(List.of("self:me"), receive(c, 1));
        }
    }

    @Test
    void notificationsWaitForTheEndOfTheClientsTransaction() throws Exception {
        pooler.set("default_pool_size", "3").start();
        try (Connection c = client(); Connection outside = pg.connectAsSuperuser(DB)) {
            execute(c, "LISTEN tx");
            c.setAutoCommit(false);
            assertEquals("1", queryString(c, "select 1"));
            execute(outside, "NOTIFY tx, 'during'");
            // A negative check: nothing the pooler reports says a held notification has arrived, so this
            // is a bounded chance for a wrongly sent one to show up.
            Thread.sleep(300); // let it reach the pooler: it must be held there, not sent
            assertEquals(List.of(), notifications(c, 200));
            c.commit();
            c.setAutoCommit(true);
            assertEquals(List.of("tx:during"), receive(c, 1));
        }
    }

    @Test
    void largePayloadsArriveWholeAndInOrder() throws Exception {
        pooler.set("default_pool_size", "2").start();
        try (Connection c = client(); Connection outside = pg.connectAsSuperuser(DB)) {
            execute(c, "LISTEN big");
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String payload = i + ":" + "x".repeat(i % 2 == 0 ? 7990 : 10);
                execute(outside, "NOTIFY big, '" + payload + "'");
                expected.add("big:" + payload);
            }
            assertEquals(expected, receive(c, expected.size()));
        }
    }

    @Test
    void unlistenAndDiscardAllEndSubscriptionsAndTheServerGoesBack() throws Exception {
        pooler.set("default_pool_size", "1").set("admin_users", SCRAM_USER).start();
        try (Connection a = client(); Connection b = client(); Connection outside = pg.connectAsSuperuser(DB);
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            execute(a, "LISTEN one");
            execute(b, "LISTEN two");
            execute(a, "UNLISTEN *");
            execute(b, "DISCARD ALL"); // b holds no server: the pooler answers it (LocalDiscardAllTest)
            // Not PostgreSQL's view (the listener's last query, UNLISTEN *, stays in pg_stat_activity
            // once no client query runs on that server after it), but the pooler's.
            Await.until(Duration.ofSeconds(10), quietly(() -> AdminRows.rows(admin, "SHOW LISTENERS").isEmpty()
                            && AdminRows.intValue(AdminRows.pool(admin, DB, SCRAM_USER), "sv_idle") == 1),
                    "nobody listens: the listener's server went back to the pool");
            execute(outside, "NOTIFY one, 'x'");
            execute(outside, "NOTIFY two, 'y'");
            assertEquals("1", queryString(a, "select 1"), "the pool of 1 serves again");
            assertEquals(List.of(), notifications(a, 300));
            assertEquals(List.of(), notifications(b, 300));
        }
    }

    /** UNLISTEN * ends the multiplexed subscriptions even when the same query LISTENs again (on its server). */
    @Test
    void unlistenAllThenListenInOneQueryEndsTheOldSubscriptions() throws Exception {
        pooler.set("default_pool_size", "2").start();
        try (Connection c = client(); Connection outside = pg.connectAsSuperuser(DB)) {
            execute(c, "LISTEN old");
            execute(c, "UNLISTEN *; LISTEN fresh"); // two statements: the server runs them, and the client is pinned
            execute(outside, "NOTIFY old, 'gone'");
            execute(outside, "NOTIFY fresh, 'here'");
            assertEquals(List.of("fresh:here"), receive(c, 1));
            assertEquals(List.of(), notifications(c, 300));
        }
    }

    @Test
    void losingTheListenerDisconnectsItsSubscribersOnly() throws Exception {
        pooler.set("default_pool_size", "3").start();
        try (Connection listening = client(); Connection bystander = client();
             Connection outside = pg.connectAsSuperuser(DB)) {
            execute(listening, "LISTEN fragile");
            assertEquals("1", queryString(bystander, "select 1"));
            execute(outside, "select pg_terminate_backend(pid) from pg_stat_activity"
                    + " where datname = '" + DB + "' and query ilike 'LISTEN%'");
            SQLException e = assertThrows(SQLException.class, () -> {
                for (int i = 0; i < 50; i++) {
                    queryString(listening, "select 1");
                    Thread.sleep(100); // the pace of a bounded query loop that ends with the expected error
                }
            });
            assertEquals("08006", e.getSQLState(), e.getMessage());
            assertEquals("1", queryString(bystander, "select 1"), "a client that did not listen sees nothing");
        }
        // ListenChaosUnderChurnTest found that the subscriber's own goodbye (its UNLISTEN * on disconnect)
        // made a new listener, which took a server from the pool and kept it with nobody listening.
        awaitNobodyHoldsAServer();
    }

    /** An UNLISTEN from a client that never listened ends nothing, and starts no listener that would hold a server. */
    @Test
    void anUnlistenWithoutAListenStartsNoListener() throws Exception {
        pooler.set("default_pool_size", "3").start();
        try (Connection c = client()) {
            execute(c, "UNLISTEN never_listened");
            assertEquals("1", queryString(c, "select 1"));
        }
        awaitNobodyHoldsAServer();
    }

    private void awaitNobodyHoldsAServer() {
        Pool pool = pooler.server().pools().stream()
                .filter(p -> p.key().database().equals(DB)).findFirst().orElseThrow();
        Await.until(Duration.ofSeconds(10), () -> {
            PoolSnapshot s = pool.snapshot();
            return s.clActive() == 0 && s.svActive() == 0;
        }, () -> "once every client has gone, nobody holds a server: " + pool.snapshot());
    }

    /**
     * PgJDBC sends LISTEN over the extended protocol (Parse, Bind, Describe, Execute, Sync): a batch that is
     * that one statement is multiplexed like a simple Query. Three clients listen over a pool of 2 (the
     * listener's server and one more), none is pinned, and all three still get a server for their queries.
     */
    @Test
    void pgjdbcListensOverTheExtendedProtocolWithoutHoldingAServer() throws Exception {
        pgjdbcListensOverTheExtendedProtocol();
    }

    /** The same with prepared statements not tracked: Parse and Bind then stream through unread. */
    @Test
    void pgjdbcListensOverTheExtendedProtocolWithoutStatementTracking() throws Exception {
        pooler.set("max_prepared_statements", "0");
        pgjdbcListensOverTheExtendedProtocol();
    }

    private void pgjdbcListensOverTheExtendedProtocol() throws Exception {
        pooler.set("default_pool_size", "2").set("admin_users", SCRAM_USER).set("query_wait_timeout", "10").start();
        List<Connection> clients = new ArrayList<>();
        try (Connection outside = pg.connectAsSuperuser(DB);
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            for (int i = 0; i < 3; i++) {
                Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
                clients.add(c);
                execute(c, "LISTEN extended");
            }
            assertEquals(0, AdminRows.intValue(AdminRows.pool(admin, DB, SCRAM_USER), "cl_pinned"));
            assertEquals("3", AdminRows.rows(admin, "SHOW LISTENERS").get(0).get("subscribers"));
            assertEquals(1, listenerBackends(outside));
            for (Connection c : clients) {
                assertEquals("1", queryString(c, "select 1"));
            }
            execute(outside, "NOTIFY extended, 'e'");
            for (Connection c : clients) {
                assertEquals(List.of("extended:e"), receive(c, 1));
            }
        } finally {
            closeAll(clients);
        }
    }

    /** LISTEN sent with anything else in its batch (here: a second statement; or BEGIN, without autocommit) pins. */
    @Test
    void anExtendedListenWithOtherStatementsGoesToTheServerAndPins() throws Exception {
        pooler.set("default_pool_size", "3").start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection tx = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Connection outside = pg.connectAsSuperuser(DB)) {
            execute(c, "LISTEN extended; SELECT 1");
            tx.setAutoCommit(false);
            execute(tx, "LISTEN in_tx"); // PgJDBC sends BEGIN in the same batch
            tx.commit();
            for (Connection pinned : List.of(c, tx)) {
                String pid = queryString(pinned, "select pg_backend_pid()::text");
                assertEquals(pid, queryString(pinned, "select pg_backend_pid()::text"), "pinned");
            }
            tx.commit();
            execute(outside, "NOTIFY extended, 'e'");
            execute(outside, "NOTIFY in_tx, 't'");
            assertEquals(List.of("extended:e"), receive(c, 1));
            assertEquals(List.of("in_tx:t"), receive(tx, 1));
        }
    }

    /** psycopg 3 listens with binary results, in a pipeline and plainly: all three multiplexed, in order. */
    @Test
    void psycopg3ListensOverBothProtocolsWithoutBeingPinned() throws Exception {
        assumeTrue(importable("psycopg"), "python3-psycopg (psycopg 3) is not installed (apt-get install python3-psycopg)");
        pooler.set("default_pool_size", "2").set("admin_users", SCRAM_USER).start();
        Path script = Files.createTempFile("psycopg3_listener", ".py");
        try (InputStream in = getClass().getResourceAsStream("/python/psycopg3_listener.py");
             Connection outside = pg.connectAsSuperuser(DB);
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            String dsn = "host=127.0.0.1 port=" + pooler.port() + " dbname=" + DB + " user=" + SCRAM_USER
                    + " password=" + SCRAM_PASSWORD;
            Process python = new ProcessBuilder(PYTHON, script.toString(), dsn, "3").redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(),
                    StandardCharsets.UTF_8))) {
                assertEquals("ready", out.readLine());
                assertEquals(0, AdminRows.intValue(AdminRows.pool(admin, DB, SCRAM_USER), "cl_pinned"), "not pinned");
                assertEquals(List.of("ext_binary", "ext_pipeline", "ext_simple"), AdminRows.rows(admin, "SHOW LISTENERS")
                        .stream().map(r -> r.get("channel")).sorted().toList());
                assertEquals(1, listenerBackends(outside));
                execute(outside, "NOTIFY ext_binary, '1'");
                execute(outside, "NOTIFY ext_pipeline, '2'");
                execute(outside, "NOTIFY ext_simple, '3'");
                List<String> lines = new ArrayList<>();
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                }
                assertTrue(python.waitFor(30, TimeUnit.SECONDS));
                assertEquals(List.of("ext_binary:1", "ext_pipeline:2", "ext_simple:3"), lines);
            } finally {
                python.destroyForcibly();
            }
        } finally {
            Files.deleteIfExists(script);
        }
    }

    @Test
    void withMultiplexOffListenPinsTheClientToItsServer() throws Exception {
        pooler.set("default_pool_size", "2").set("listen_multiplex", "0").start();
        try (Connection c = client(); Connection outside = pg.connectAsSuperuser(DB)) {
            execute(c, "LISTEN direct");
            String pid = queryString(c, "select pg_backend_pid()::text");
            assertEquals(pid, queryString(c, "select pg_backend_pid()::text"), "pinned");
            execute(outside, "NOTIFY direct, 'd'");
            assertEquals(List.of("direct:d"), receive(c, 1));
        }
    }

    /** Odoo's bus listens with psycopg2: select() on the socket, then conn.poll() and conn.notifies. */
    @Test
    void psycopg2PollLoopReceivesNotificationsAsOdoosBusDoes() throws Exception {
        assumeTrue(psycopg2Installed(), "python3-psycopg2 is not installed (apt-get install python3-psycopg2)");
        pooler.set("default_pool_size", "2").set("query_wait_timeout", "5").start();
        Path script = Files.createTempFile("odoo_bus_listener", ".py");
        try (InputStream in = getClass().getResourceAsStream("/python/odoo_bus_listener.py");
             Connection outside = pg.connectAsSuperuser(DB); Connection other = client()) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            String dsn = "host=127.0.0.1 port=" + pooler.port() + " dbname=" + DB + " user=" + SCRAM_USER
                    + " password=" + SCRAM_PASSWORD;
            Process python = new ProcessBuilder(PYTHON, script.toString(), dsn, "imbus", "3")
                    .redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(),
                    StandardCharsets.UTF_8))) {
                assertEquals("ready", out.readLine());
                // Its LISTEN inside BEGIN … COMMIT was multiplexed: it holds no server, the pool's other
                // server is free for everyone else, and one backend listens.
                assertEquals("1", queryString(other, "select 1"));
                assertEquals(1, listenerBackends(outside));
                for (String payload : List.of("a", "b", "c")) {
                    execute(outside, "NOTIFY imbus, '" + payload + "'");
                }
                List<String> lines = new ArrayList<>();
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                }
                assertTrue(python.waitFor(30, TimeUnit.SECONDS));
                assertEquals(List.of("imbus:a", "imbus:b", "imbus:c"), lines);
            } finally {
                python.destroyForcibly();
            }
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static boolean psycopg2Installed() {
        return importable("psycopg2");
    }

    private Connection client() throws SQLException {
        return pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
    }

    private static int listenerBackends(Connection outside) throws SQLException {
        return Integer.parseInt(queryString(outside, "select count(*) from pg_stat_activity where datname = '"
                + DB + "' and usename = '" + SCRAM_USER + "' and query ilike '%LISTEN%'"));
    }

    /** Waits (up to 10 s) for {@code count} notifications, as "channel:payload". */
    private static List<String> receive(Connection c, int count) throws SQLException {
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (got.size() < count && System.nanoTime() < deadline) {
            got.addAll(notifications(c, 200));
        }
        return got;
    }

    private static List<String> notifications(Connection c, int waitMillis) throws SQLException {
        List<String> out = new ArrayList<>();
        PGNotification[] got = c.unwrap(PGConnection.class).getNotifications(waitMillis);
        if (got != null) {
            for (PGNotification n : got) {
                out.add(n.getName() + ":" + n.getParameter());
            }
        }
        return out;
    }

    private static void closeAll(List<Connection> clients) throws SQLException {
        for (Connection c : clients) {
            c.close();
        }
    }
}
