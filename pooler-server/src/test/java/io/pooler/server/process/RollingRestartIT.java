package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The rolling restart of README.md (Running Pooler in production) with two real pooler processes on one port
 * (so_reuseport = 1): clients stay connected to the old one and keep querying while a new one starts
 * and the old one gets SIGTERM; new clients land on the new one; nobody sees an error, and the old
 * process exits once its last client has left.
 */
@ExtendWith(PostgresExtension.class)
class RollingRestartIT {
    private static final String USER = "it_rolling";
    private static final String PASSWORD = "rolling-secret";
    private static final int LONG_LIVED_CLIENTS = 6;

    private final PostgresInstance pg;
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stopLongLived = new AtomicBoolean();
    private final AtomicBoolean stopNewClients = new AtomicBoolean();
    /** New connections pause while the old process closes its listener (see connectLoop). */
    private final AtomicBoolean holdNewConnections = new AtomicBoolean();
    private final AtomicInteger queriesAfterSigterm = new AtomicInteger();
    private final AtomicInteger newClientsAfterSigterm = new AtomicInteger();
    private final AtomicBoolean sigtermSent = new AtomicBoolean();
    private int port;

    RollingRestartIT(PostgresInstance pg) throws SQLException {
        this.pg = pg;
        pg.createRole(USER, PASSWORD, "scram-sha-256");
    }

    @Test
    void sigtermedOldProcessServesItsClientsToTheEndWhileTheNewOneTakesNewClients() throws Exception {
        port = PoolerJar.freePort();
        Path oldDir = config("old");
        Path newDir = config("new");
        try (ChildJvm old = PoolerJar.start(oldDir.resolve("pooler.ini"))) {
            old.await("listening on 127.0.0.1:" + port);
            CountDownLatch connected = new CountDownLatch(LONG_LIVED_CLIENTS);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < LONG_LIVED_CLIENTS; i++) {
                threads.add(start("long-lived-" + i, () -> longLived(connected)));
            }
            assertTrue(connected.await(20, TimeUnit.SECONDS), "long-lived clients connected to the old process");
            Thread newClients = start("new-clients", this::connectLoop);

            try (ChildJvm replacement = PoolerJar.start(newDir.resolve("pooler.ini"))) {
                replacement.await("listening on 127.0.0.1:" + port);
                Thread.sleep(1000); // deliberate overlap: both processes take new clients for a while, as in a real rolling restart

                holdNewConnections.set(true);
                Thread.sleep(200); // let connection attempts under way finish
                sigtermSent.set(true);
                old.kill("TERM");
                old.await("shutdown requested (WAIT_FOR_CLIENTS)");
                Thread.sleep(500); // the old listener is closed right after that line
                holdNewConnections.set(false);

                // Bounded waits rather than fixed sleeps: a loaded machine may take a while.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while ((queriesAfterSigterm.get() == 0 || newClientsAfterSigterm.get() == 0) && System.nanoTime() < deadline) {
                    Thread.sleep(50); // the poll of the deadline loop above
                }
                assertTrue(old.isAlive(), "the old process waits for its clients:\n" + old.output());
                assertTrue(queriesAfterSigterm.get() > 0, "long-lived clients kept querying after SIGTERM");
                assertTrue(newClientsAfterSigterm.get() > 0, "new clients were served after SIGTERM");

                stopLongLived.set(true);
                assertEquals(0, old.awaitExit(), old.output());
                assertTrue(old.output().contains("shutdown complete"), old.output());

                stopNewClients.set(true);
                for (Thread t : threads) {
                    t.join(20_000);
                }
                newClients.join(20_000);
                assertEquals(List.of(), List.copyOf(errors));
                // Everyone after the switch went to the new process.
                assertTrue(replacement.output().contains("login attempt: db=postgres user=" + USER), replacement.output());
                replacement.kill("TERM");
                assertEquals(0, replacement.awaitExit(), replacement.output());
            }
        }
    }

    /** Connects, then queries until told to stop (at most 60 s), then disconnects. */
    private void longLived(CountDownLatch connected) {
        try (Connection c = connect()) {
            connected.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!stopLongLived.get() && System.nanoTime() < deadline) {
                assertEquals(2, queryInt(c, "select 1 + 1"));
                if (sigtermSent.get()) {
                    queriesAfterSigterm.incrementAndGet();
                }
                Thread.sleep(20); // the pace of a client's load loop
            }
        } catch (Throwable e) {
            errors.add("long-lived client: " + e);
        }
    }

    /**
     * Opens a short connection every 50 ms. NOTE: it holds off while the old process closes its
     * listening socket: Linux resets connections still queued on a closing SO_REUSEPORT listener
     * unless net.ipv4.tcp_migrate_req = 1 (see README.md (Running Pooler in production)); that kernel behaviour is not
     * what this test is about.
     */
    private void connectLoop() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!stopNewClients.get() && System.nanoTime() < deadline) {
            try {
                if (!holdNewConnections.get()) {
                    boolean after = sigtermSent.get();
                    try (Connection c = connect()) {
                        assertEquals(1, queryInt(c, "select 1"));
                    }
                    if (after) {
                        newClientsAfterSigterm.incrementAndGet();
                    }
                }
                Thread.sleep(50); // the pace of the new-clients loop (one connection every 50 ms)
            } catch (Throwable e) {
                errors.add("new client: " + e);
            }
        }
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", PASSWORD);
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }

    private static int queryInt(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private Path config(String name) throws Exception {
        Path dir = Files.createTempDirectory("pooler-rolling-" + name + "-");
        Files.writeString(dir.resolve("userlist.txt"), "\"" + USER + "\" \"" + PASSWORD + "\"\n");
        Files.writeString(dir.resolve("pooler.ini"), String.join("\n",
                "[databases]",
                "* = host=" + pg.host() + " port=" + pg.port(),
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "so_reuseport = 1",
                "unix_socket_dir =",
                "pidfile = " + dir.resolve("pooler.pid"),
                "auth_type = scram-sha-256",
                "auth_file = userlist.txt",
                "pool_mode = transaction",
                "default_pool_size = 4",
                "ignore_startup_parameters = extra_float_digits",
                ""));
        return dir;
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
