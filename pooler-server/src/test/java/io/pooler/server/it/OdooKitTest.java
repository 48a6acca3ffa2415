package io.pooler.server.it;

import io.pooler.pool.PoolSnapshot;
import io.pooler.server.PoolerServer;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * conf/odoo/pooler.ini as shipped (only addresses, port and the role replaced) under Odoo's pattern:
 * 16 HTTP and 2 cron "workers", each keeping a business-database connection and a "postgres"
 * connection it NOTIFYs on, and the gevent process LISTENing on "postgres". Everything fits the
 * pools README.md (Pooler for Odoo) computes.
 */
@ExtendWith(PostgresExtension.class)
class OdooKitTest {
    private static final int WORKERS = 16 + 2;
    private static final int TRANSACTIONS = 20;

    private final PostgresInstance pg;

    OdooKitTest(PostgresInstance pg) throws SQLException {
        this.pg = pg;
        TestRoles.ensure(pg);
    }

    @Test
    void odooWorkersBusAndCronsRunWithinTheKitsPools() throws Exception {
        int port = freePort();
        Path dir = Files.createTempDirectory("pooler-odoo-kit-");
        String ini = Files.readString(Path.of("../conf/odoo/pooler.ini"))
                .replace("host=127.0.0.1 port=5432", "host=" + pg.host() + " port=" + pg.port())
                .replace("listen_port = 6432", "listen_port = " + port)
                .replace("logfile = /var/log/pooler/pooler.log", "logfile =")
                .replace("odoo = max_user_connections=90", SCRAM_USER + " = max_user_connections=90");
        Files.writeString(dir.resolve("pooler.ini"), ini);
        Files.writeString(dir.resolve("userlist.txt"), "\"" + SCRAM_USER + "\" \"" + pg.storedPassword(SCRAM_USER) + "\"\n");

        try (PoolerServer pooler = PoolerServer.start(dir.resolve("pooler.ini"));
             Connection gevent = connect(port, "postgres")) {
            execute(gevent, "LISTEN imbus");
            ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < WORKERS; w++) {
                    done.add(workers.submit(() -> {
                        try (Connection business = connect(port, DB); Connection system = connect(port, "postgres")) {
                            for (int t = 0; t < TRANSACTIONS; t++) {
                                business.setAutoCommit(false);
                                execute(business, "SELECT count(*) FROM pg_class");
                                business.commit();
                                execute(system, "NOTIFY imbus, 'bus message'");
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(2, TimeUnit.MINUTES);
                }
            } finally {
                workers.shutdownNow();
            }
            assertEquals(WORKERS * TRANSACTIONS, receive(gevent, WORKERS * TRANSACTIONS));
            for (PoolSnapshot pool : pooler.poolSnapshots()) {
                int servers = pool.svActive() + pool.svIdle() + pool.svUsed() + pool.svTested() + pool.svLogin();
                int limit = pool.key().database().equals("postgres") ? 20 : 24;
                assertTrue(servers <= limit, pool.toString());
            }
        }
    }

    private static int receive(Connection listener, int expected) throws SQLException {
        int received = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received < expected && System.nanoTime() < deadline) {
            PGNotification[] batch = listener.unwrap(PGConnection.class).getNotifications(500);
            received += batch == null ? 0 : batch.length;
        }
        return received;
    }

    private static Connection connect(int port, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", SCRAM_USER);
        p.setProperty("password", SCRAM_PASSWORD);
        // psycopg2 speaks the simple query protocol, as Odoo does.
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
