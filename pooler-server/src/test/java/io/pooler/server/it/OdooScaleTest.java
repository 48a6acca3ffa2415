package io.pooler.server.it;

import io.pooler.auth.Md5Auth;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.SessionPoolingTest.execute;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_PASSWORD;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Odoo at scale, bounded in count: 2,000 simple-protocol clients (psycopg2 speaks the simple
 * protocol) held open at once over 50 server connections in transaction mode, each running Odoo's
 * kind of transaction; a bus listener on a session-mode entry receives every notification.
 */
@PoolerTest
class OdooScaleTest {
    private static final int CLIENTS = 2000;
    private static final int SERVERS = 50;
    private static final int THREADS = 40;
    private static final int TRANSACTIONS_PER_CLIENT = 2;
    private static final int ROWS = 500;

    private final PostgresInstance pg;
    private PoolerFixture pooler;

    OdooScaleTest(PostgresInstance pg) {
        this.pg = pg;
    }

    @BeforeEach
    void setUp(PoolerFixture pooler) throws Exception {
        try (Connection su = pg.connectAsSuperuser(DB)) {
            execute(su, "drop table if exists odoo_res");
            execute(su, "create table odoo_res (id int primary key, val int not null default 0)");
            execute(su, "insert into odoo_res (id) select generate_series(1, " + ROWS + ")");
            execute(su, "grant all on odoo_res to " + MD5_USER);
        }
        String server = "host=" + pg.host() + " port=" + pg.port();
        this.pooler = pooler
                .set("auth_type", "md5")
                .user(MD5_USER, Md5Auth.encode(MD5_USER, MD5_PASSWORD))
                .set("pool_mode", "transaction")
                .set("default_pool_size", String.valueOf(SERVERS))
                .set("max_client_conn", String.valueOf(CLIENTS + 100))
                .database(DB, server)
                // Odoo's bus and crons LISTEN through a session-mode entry.
                .database("bus", server + " dbname=" + DB + " pool_mode=session")
                .start();
    }

    @Test
    void twoThousandClientsRunOdooTransactionsOverFiftyServers() throws Exception {
        List<Connection> clients = openClients();
        AtomicInteger commits = new AtomicInteger();
        AtomicInteger lockConflicts = new AtomicInteger();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        try (Connection bus = pooler.connectSimple("bus", MD5_USER, MD5_PASSWORD)) {
            execute(bus, "listen imbus");
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int first = t;
                    done.add(threads.submit(() -> {
                        for (int round = 0; round < TRANSACTIONS_PER_CLIENT; round++) {
                            for (int i = first; i < clients.size(); i += THREADS) {
                                odooTransaction(clients.get(i), commits, lockConflicts, errors);
                            }
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get(5, TimeUnit.MINUTES);
                }
            } finally {
                threads.shutdownNow();
            }
            assertEquals(List.of(), List.copyOf(errors), "no errors besides Odoo's expected lock conflicts");
            assertEquals(CLIENTS * TRANSACTIONS_PER_CLIENT, commits.get() + lockConflicts.get());
            assertTrue(commits.get() > CLIENTS, "most transactions committed: " + commits.get());
            try (Connection su = pg.connectAsSuperuser(DB)) {
                assertEquals(String.valueOf(commits.get()), queryString(su, "select sum(val) from odoo_res"),
                        "every committed update is there, and no rolled back one");
                assertTrue(Integer.parseInt(queryString(su, "select count(*) from pg_stat_activity where usename = '"
                        + MD5_USER + "'")) <= SERVERS + 1, "at most 50 servers plus the bus listener");
            }
            assertEquals(commits.get(), receiveNotifications(bus, commits.get()),
                    "the session-mode listener got one notification per commit");
        } finally {
            for (Connection c : clients) {
                c.close();
            }
        }
    }

    /** BEGIN REPEATABLE READ, SELECT FOR UPDATE NOWAIT, a savepoint, pg_notify, COMMIT, then DISCARD ALL. */
    private static void odooTransaction(Connection c, AtomicInteger commits, AtomicInteger conflicts,
                                        ConcurrentLinkedQueue<String> errors) {
        int id = 1 + ThreadLocalRandom.current().nextInt(ROWS);
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN ISOLATION LEVEL REPEATABLE READ");
            try {
                s.execute("SELECT id FROM odoo_res WHERE id = " + id + " FOR UPDATE NOWAIT");
                s.execute("SAVEPOINT sp1");
                s.execute("UPDATE odoo_res SET val = val + 1 WHERE id = " + id);
                s.execute("RELEASE SAVEPOINT sp1");
                s.execute("SELECT pg_notify('imbus', '" + id + "')");
                s.execute("COMMIT");
                commits.incrementAndGet();
            } catch (SQLException e) {
                s.execute("ROLLBACK");
                if ("55P03".equals(e.getSQLState()) || "40001".equals(e.getSQLState())) {
                    conflicts.incrementAndGet(); // lock_not_available / serialization failure: Odoo retries these
                } else {
                    errors.add(e.getSQLState() + " " + e.getMessage());
                }
            }
            s.execute("DISCARD ALL");
        } catch (SQLException e) {
            errors.add(e.getSQLState() + " " + e.getMessage());
        }
    }

    private List<Connection> openClients() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Connection>> opening = new ArrayList<>();
            Properties p = new Properties();
            p.setProperty("ApplicationName", "odoo");
            for (int i = 0; i < CLIENTS; i++) {
                opening.add(threads.submit(() -> pooler.connectSimple(DB, MD5_USER, MD5_PASSWORD, p)));
            }
            List<Connection> clients = new ArrayList<>();
            for (Future<Connection> f : opening) {
                clients.add(f.get(2, TimeUnit.MINUTES));
            }
            return clients;
        } finally {
            threads.shutdownNow();
        }
    }

    private static int receiveNotifications(Connection bus, int expected) throws SQLException {
        PGConnection listener = bus.unwrap(PGConnection.class);
        int received = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received < expected && System.nanoTime() < deadline) {
            PGNotification[] batch = listener.getNotifications(200);
            if (batch != null) {
                received += batch.length;
            }
        }
        return received;
    }
}
