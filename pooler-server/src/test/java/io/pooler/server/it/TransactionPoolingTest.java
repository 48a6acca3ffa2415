package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.SessionPoolingTest.execute;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Transaction and statement pooling: sharing servers without sharing state. */
@PoolerTest
class TransactionPoolingTest {
    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    TransactionPoolingTest(PoolerFixture pooler, PostgresInstance pg) throws SQLException {
        this.pg = pg;
        try (Connection su = pg.connectAsSuperuser(DB)) {
            execute(su, "truncate tx_items");
        }
        this.pooler = pooler.user(SCRAM_USER, pg.storedPassword(SCRAM_USER)).set("pool_mode", "transaction");
    }

    @BeforeAll
    static void createTable(PostgresInstance pg) throws SQLException {
        try (Connection su = pg.connectAsSuperuser(DB)) {
            execute(su, "create table if not exists tx_items (id serial primary key, client int, n int)");
            execute(su, "grant all on tx_items to " + SCRAM_USER);
            execute(su, "grant all on sequence tx_items_id_seq to " + SCRAM_USER);
        }
    }

    @Test
    void manyClientsOverAFewServersAllComplete() throws Exception {
        pooler.set("default_pool_size", "4").set("max_client_conn", "100").start();
        int clients = 40;
        int transactions = 10;
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            // PgJDBC switches to named server-side statements after prepareThreshold uses (5 by
            // default): here from the first, so every statement is named and crosses servers.
            Properties named = new Properties();
            named.setProperty("prepareThreshold", "1");
            for (int c = 0; c < clients; c++) {
                int client = c;
                boolean simple = c % 2 == 0;
                done.add(threads.submit(() -> {
                    try (Connection conn = simple ? pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)
                            : pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, named)) {
                        conn.setAutoCommit(false);
                        for (int t = 0; t < transactions; t++) {
                            try (PreparedStatement ps = conn.prepareStatement("insert into tx_items (client, n) values (?, ?)")) {
                                ps.setInt(1, client);
                                ps.setInt(2, t);
                                ps.executeUpdate();
                            }
                            conn.commit();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        try (Connection su = pg.connectAsSuperuser(DB)) {
            assertEquals(String.valueOf(clients * transactions), queryString(su, "select count(*) from tx_items"));
        }
        assertTrue(serverConnections() <= 4, "never more than pool_size servers");
    }

    @Test
    void namedPreparedStatementsFollowTheClientFromServerToServer() throws Exception {
        pooler.set("default_pool_size", "3").start();
        Properties named = new Properties();
        named.setProperty("prepareThreshold", "1");
        List<Connection> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                clients.add(pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, named));
            }
            for (int round = 0; round < 10; round++) {
                for (int i = 0; i < clients.size(); i++) {
                    Connection c = clients.get(i);
                    try (PreparedStatement ps = c.prepareStatement("select ?::int + ?::int")) {
                        ps.setInt(1, round);
                        ps.setInt(2, i);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            assertEquals(round + i, rs.getInt(1));
                        }
                    }
                    if (round == 5 && i % 2 == 0) {
                        execute(c, "discard all"); // Odoo does this; the server's statements are gone after it
                    }
                }
            }
            try (Connection su = pg.connectAsSuperuser(DB)) {
                assertTrue(Integer.parseInt(queryString(su, "select count(*) from pg_stat_activity where usename = '"
                        + SCRAM_USER + "'")) <= 3);
            }
        } finally {
            for (Connection c : clients) {
                c.close();
            }
        }
    }

    @Test
    void aSettingMadeByOneClientIsNeverSeenByAnother() throws Exception {
        // One event loop: a server is only shared by clients of its own loop (pool shards).
        pooler.set("default_pool_size", "1").set("worker_threads", "1").start();
        Properties tokyo = new Properties();
        tokyo.setProperty("ApplicationName", "client-a");
        Properties other = new Properties();
        other.setProperty("ApplicationName", "client-b");
        try (Connection a = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, tokyo);
             Connection b = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, other)) {
            String bZone = queryString(b, "show timezone");
            execute(a, "set timezone = 'Asia/Tokyo'");
            execute(a, "set application_name = 'changed-by-a'");
            String pidA = queryString(a, "select pg_backend_pid()");
            String pidB = queryString(b, "select pg_backend_pid()");
            assertEquals(pidA, pidB, "one server shared by both clients");
            assertEquals(bZone, queryString(b, "show timezone"));
            assertEquals("client-b", queryString(b, "show application_name"));
            assertEquals("Asia/Tokyo", queryString(a, "show timezone"), "a keeps its own setting");
            assertEquals("changed-by-a", queryString(a, "show application_name"));
        }
    }

    @Test
    void clientsWantingTheSameValuesStillGetThemBackAfterAnotherChangedTheServer() throws Exception {
        // Both clients start with the same values, so they share one (interned) map of wanted values,
        // which the server remembers it matched; A's SET must make the server forget that.
        pooler.set("default_pool_size", "1").set("worker_threads", "1").start();
        Properties same = new Properties();
        same.setProperty("ApplicationName", "twin");
        try (Connection a = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, same);
             Connection b = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, same)) {
            String zone = queryString(b, "show timezone");
            assertEquals(zone, queryString(a, "show timezone"));
            execute(a, "set timezone = 'Asia/Tokyo'");
            assertEquals(zone, queryString(b, "show timezone"), "b gets its own value back on the shared server");
            assertEquals("Asia/Tokyo", queryString(a, "show timezone"));
            execute(a, "set timezone = '" + zone + "'");
            execute(a, "set application_name = 'twin-changed'");
            assertEquals("twin", queryString(b, "show application_name"));
            assertEquals(zone, queryString(b, "show timezone"));
        }
    }

    @Test
    void aValueTheServerSpellsItsOwnWayIsSetOnceNotOnEveryTransaction() throws Exception {
        // PgJDBC's startup packet asks for DateStyle "ISO"; PostgreSQL reports "ISO, MDY". Compared as
        // strings they differ, and the pooler used to SET DateStyle before each of the client's
        // transactions: a second statement on the server for every one of the client's.
        try (Connection su = pg.connectAsSuperuser(DB)) {
            execute(su, "alter role " + SCRAM_USER + " set log_statement = 'all'");
        }
        try {
            pooler.set("default_pool_size", "1").set("worker_threads", "1").start();
            try (Connection client = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
                execute(client, "select 1"); // the first link SETs what differs
                int logStart = pg.serverLog().length();
                for (int i = 0; i < 20; i++) {
                    execute(client, "select 1");
                }
                String fence = "fence-" + java.util.UUID.randomUUID();
                execute(client, "select '" + fence + "'");
                Await.until(Duration.ofSeconds(30), Await.quietly(() -> pg.serverLog().contains(fence)),
                        "PostgreSQL's log shows " + fence);
                String logged = pg.serverLog().substring(logStart);
                assertEquals(0, logged.split("SET \"DateStyle\"", -1).length - 1, logged);
                assertEquals("ISO, MDY", queryString(client, "show datestyle"));
            }
        } finally {
            try (Connection su = pg.connectAsSuperuser(DB)) {
                execute(su, "alter role " + SCRAM_USER + " reset log_statement");
            }
        }
    }

    @Test
    void discardAllRestoresTheClientsOwnStartupValues() throws Exception {
        pooler.set("default_pool_size", "1").start();
        Properties p = new Properties();
        p.setProperty("ApplicationName", "odoo-worker");
        // So PgJDBC sends application_name in the startup packet, as psycopg2 and psql do; otherwise it
        // SETs it after login and DISCARD ALL clears it on a direct connection too.
        p.setProperty("assumeMinServerVersion", "12");
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD, p);
             Connection other = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            execute(c, "set application_name = 'temporary'");
            execute(c, "set timezone = 'America/Lima'");
            execute(c, "discard all");
            assertEquals("odoo-worker", queryString(c, "show application_name"));
            assertNotEquals("America/Lima", queryString(c, "show timezone"));
            assertEquals("PostgreSQL JDBC Driver", queryString(other, "show application_name"));
            execute(c, "set application_name = 'again'");
            execute(c, "reset all");
            assertEquals("odoo-worker", queryString(c, "show application_name"));
        }
    }

    @Test
    void aClientKilledMidTransactionLeavesNoOpenTransaction() throws Exception {
        pooler.set("default_pool_size", "1").start();
        Connection doomed = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
        doomed.setAutoCommit(false);
        execute(doomed, "insert into tx_items (client, n) values (99, 99)");
        doomed.abort(Runnable::run); // the socket closes under the open transaction, no Terminate
        try (Connection next = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(null, queryString(next, "select txid_current_if_assigned()"),
                    "not inside the dead client's transaction");
            assertEquals("0", queryString(next, "select count(*) from tx_items where client = 99"));
        }
        try (Connection su = pg.connectAsSuperuser(DB)) {
            assertEquals("0", queryString(su, "select count(*) from pg_stat_activity where state like 'idle in transaction%'"));
        }
    }

    @Test
    void aClientKilledMidCopyLeavesNothingBehind() throws Exception {
        pooler.set("default_pool_size", "1").start();
        Connection doomed = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
        org.postgresql.copy.CopyIn copy = doomed.unwrap(org.postgresql.PGConnection.class).getCopyAPI()
                .copyIn("copy tx_items (client, n) from stdin");
        byte[] rows = "77\t1\n77\t2\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        copy.writeToCopy(rows, 0, rows.length);
        copy.flushCopy();
        doomed.abort(Runnable::run); // gone in the middle of COPY FROM STDIN
        try (Connection next = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("0", queryString(next, "select count(*) from tx_items where client = 77"));
            assertEquals("1", queryString(next, "select 1"), "the next client gets a server that is not in COPY");
        }
    }

    @Test
    void statementModeRefusesTransactionBlocks() throws Exception {
        pooler.set("pool_mode", "statement").start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(c, "select 1"));
            SQLException e = assertThrows(SQLException.class, () -> {
                execute(c, "begin");
                execute(c, "select 1");
            });
            assertTrue(e.getMessage().contains("transaction blocks not allowed in statement pooling mode"), e.getMessage());
        }
    }

    @Test
    void queryWaitTimeoutFiresForAClientThatGetsNoServer() throws Exception {
        pooler.set("default_pool_size", "1").set("query_wait_timeout", "1").start();
        try (Connection holder = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection waiter = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            holder.setAutoCommit(false);
            queryString(holder, "select 1"); // holds the only server: a transaction is open
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> queryString(waiter, "select 2"));
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(e.getMessage().contains("query_wait_timeout"), e.getMessage());
            assertTrue(waitedMillis >= 900 && waitedMillis < 10_000, "waited " + waitedMillis + " ms");
            holder.rollback();
        }
    }

    @Test
    void reservePoolOpensOnlyAfterReservePoolTimeout() throws Exception {
        pooler.set("default_pool_size", "1").set("reserve_pool_size", "1").set("reserve_pool_timeout", "1.5").start();
        try (Connection holder = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection waiter = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            holder.setAutoCommit(false);
            queryString(holder, "select 1");
            assertEquals(1, serverConnections());
            long start = System.nanoTime();
            assertEquals("2", queryString(waiter, "select 2"));
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waitedMillis >= 1400, "the reserve server opened after only " + waitedMillis + " ms");
            assertTrue(waitedMillis < 10_000, "waited " + waitedMillis + " ms");
            assertEquals(2, serverConnections());
            holder.rollback();
        }
    }

    @Test
    void sessionModeForOneDatabaseAndTransactionModeForTheOther() throws Exception {
        // Odoo's layout: the postgres database (bus, LISTEN) in session mode, the rest in transaction mode.
        pooler.database("postgres", "host=" + pg.host() + " port=" + pg.port() + " pool_mode=session").start();
        // Odoo sends its bus notifications through the postgres database too (NOTIFY is per database).
        try (Connection listener = pooler.connectSimple("postgres", SCRAM_USER, SCRAM_PASSWORD);
             Connection notifier = pooler.connect("postgres", SCRAM_USER, SCRAM_PASSWORD);
             Connection worker = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(worker, "select 1"));
            execute(listener, "listen odoo_bus");
            String listenerPid = queryString(listener, "select pg_backend_pid()");
            notifier.setAutoCommit(false);
            execute(notifier, "select pg_notify('odoo_bus', 'hello')");
            notifier.commit();
            org.postgresql.PGConnection pgListener = listener.unwrap(org.postgresql.PGConnection.class);
            org.postgresql.PGNotification[] got = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((got == null || got.length == 0) && System.nanoTime() < deadline) {
                queryString(listener, "select 1"); // notifications arrive with the next result
                got = pgListener.getNotifications(500);
            }
            assertTrue(got != null && got.length == 1, "the session-mode listener got the notification");
            assertEquals("hello", got[0].getParameter());
            assertEquals(listenerPid, queryString(listener, "select pg_backend_pid()"), "session mode keeps the server");
        }
    }

    private int serverConnections() throws SQLException {
        try (Connection su = pg.connectAsSuperuser("postgres");
             ResultSet rs = su.createStatement().executeQuery(
                     "select count(*) from pg_stat_activity where usename = '" + SCRAM_USER + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
