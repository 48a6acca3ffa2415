package io.pooler.server.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import javax.net.SocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 10, defect 1: a client that connects, runs one query and closes, over and over, from several
 * threads, through transaction pooling with more event loops than cores, must get every answer. On
 * the cross-loop design a response is sometimes never delivered: the client waits forever while SHOW
 * SERVERS shows its server active and linked to it.
 *
 * <p>The race needs a thread to lose its core at the wrong moment, so the test makes that likely: more
 * event loops than cores, more client threads than loops, CPU burners beside them, and many cycles.
 * Every step has a deadline; the first client stuck past it fails the test, named by its thread, cycle
 * and port (SHOW CLIENTS' port column), with SHOW CLIENTS, SHOW SERVERS, SHOW POOLS and PostgreSQL's
 * pg_stat_activity as they were while it was stuck.
 *
 * <p>What goes wrong (found with this test): a server's loop, at the end of the read burst that
 * relayed a ReadyForQuery, checks whether its linked client is writable and stops reading if not. The
 * client's loop may meanwhile have released the server to the pool and the client closed its socket
 * (so it is "not writable"): the server then sits in the pool with reading off, and the next client's
 * answer is never read. {@link ReleaseUnderBackpressureTest} hits the same hole with a slow reader.
 */
@PoolerTest
@Tag("issue10")
class ConnectQueryCloseChurnTest {
    private static final int EVENT_LOOPS = 6;
    private static final int POOL_SIZE = 5;
    private static final int CLIENT_THREADS = 12;
    private static final int CYCLES_PER_THREAD = 5_000;
    private static final int BURNERS = Runtime.getRuntime().availableProcessors() * 2;
    /**
     * A step (connect, select, close) taking longer than this is lost, not slow: a select 1 through a
     * warm pool takes milliseconds, and seconds only on a machine loaded far beyond its cores.
     */
    private static final Duration STEP_DEADLINE = Duration.ofSeconds(15);
    /** The whole run, whatever is left of the cycles: every load loop here is bounded in time. */
    private static final Duration RUN_LIMIT = Duration.ofSeconds(Long.getLong("churn.seconds", 60));

    private final PoolerFixture pooler;

    ConnectQueryCloseChurnTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD)
                .set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("default_pool_size", String.valueOf(POOL_SIZE))
                .set("worker_threads", String.valueOf(EVENT_LOOPS))
                .set("max_client_conn", "1000")
                .set("log_connections", "0").set("log_disconnections", "0")
                .start();
    }

    @Test
    void everyResponseArrivesAcrossEventLoops() throws Exception {
        warmUp();
        AtomicBoolean stop = new AtomicBoolean();
        long runDeadline = System.nanoTime() + RUN_LIMIT.toNanos();
        List<Thread> burners = CpuBurner.start(BURNERS, stop, runDeadline);
        List<ChurnClient> clients = new ArrayList<>();
        for (int t = 0; t < CLIENT_THREADS; t++) {
            clients.add(new ChurnClient(t, t % 2 == 0, stop, runDeadline));
        }
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        clients.forEach(c -> c.start(errors));
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            while (clients.stream().anyMatch(ChurnClient::isAlive) && errors.isEmpty()) {
                for (ChurnClient c : clients) {
                    String stuck = c.stuckFor(STEP_DEADLINE);
                    if (stuck != null) {
                        String dump = dump(admin) + postgresView();
                        stop.set(true);
                        fail(stuck + " after " + completed(clients) + " cycles.\n" + dump);
                    }
                }
                Thread.sleep(100); // the watchdog's polling period, not a wait for a result
            }
        } finally {
            stop.set(true);
            for (ChurnClient c : clients) {
                c.abortAndJoin();
            }
            for (Thread b : burners) {
                b.join();
            }
        }
        assertEquals(List.of(), List.copyOf(errors), "no client failed");
        System.err.printf("churn: %d connect-query-close cycles over %d event loops%n", completed(clients), EVENT_LOOPS);
    }

    /** Every server of the pool logged in first: a login is slow on a loaded machine, and is not what is tested. */
    private void warmUp() throws SQLException {
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < POOL_SIZE; i++) {
                Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
                held.add(c);
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("select 1"); // holds a server until the commit below
                }
            }
            for (Connection c : held) {
                c.commit();
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
    }

    private static int completed(List<ChurnClient> clients) {
        return clients.stream().mapToInt(ChurnClient::cycles).sum();
    }

    private static String dump(Connection admin) throws SQLException {
        StringBuilder out = new StringBuilder();
        for (String show : List.of("SHOW CLIENTS", "SHOW SERVERS", "SHOW POOLS")) {
            out.append(show).append(":\n");
            for (Map<String, String> row : rows(admin, show)) {
                out.append("  ").append(row).append('\n');
            }
        }
        return out.toString();
    }

    /** What PostgreSQL says its backends of the test user are doing: a lost answer leaves one idle in ClientRead. */
    private String postgresView() throws SQLException {
        StringBuilder out = new StringBuilder("pg_stat_activity:\n");
        try (Connection su = pooler.postgres().connectAsSuperuser("postgres")) {
            for (Map<String, String> row : rows(su, "select pid, state, wait_event, backend_xid, query from pg_stat_activity where usename = '"
                    + SCRAM_USER + "' order by pid")) {
                out.append("  ").append(row).append('\n');
            }
        }
        return out.toString();
    }

    /** One thread of connect, select, close cycles; its current step is watched by the test. */
    private final class ChurnClient {
        private final int number;
        private final boolean extended;
        private final AtomicBoolean stop;
        private final long runDeadline;
        private final AtomicInteger cycles = new AtomicInteger();
        private volatile String step = "starting";
        private volatile long stepStartedNanos;
        private volatile Connection current;
        private Thread thread;

        ChurnClient(int number, boolean extended, AtomicBoolean stop, long runDeadline) {
            this.number = number;
            this.extended = extended;
            this.stop = stop;
            this.runDeadline = runDeadline;
        }

        void start(ConcurrentLinkedQueue<String> errors) {
            thread = new Thread(() -> {
                try {
                    run();
                } catch (SQLException | RuntimeException e) {
                    if (!stop.get()) {
                        errors.add(step + ": " + e);
                    }
                } finally {
                    stepStartedNanos = 0;
                }
            }, "churn-" + number);
            thread.start();
        }

        private void run() throws SQLException {
            for (int i = 0; i < CYCLES_PER_THREAD && !stop.get() && System.nanoTime() < runDeadline; i++) {
                String name = "churn-" + number + "-" + i;
                Properties p = new Properties();
                p.setProperty("ApplicationName", name);
                p.setProperty("socketTimeout", "0"); // the test's watchdog decides what is stuck
                p.setProperty("socketFactory", PortRecordingSocketFactory.class.getName());
                step(name + " (" + (extended ? "extended" : "simple") + " protocol) connecting");
                try (Connection c = extended ? pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p)
                        : pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD, p)) {
                    current = c;
                    step(name + " (" + (extended ? "extended" : "simple") + " protocol) waiting for the answer to select " + i);
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select " + i)) {
                        rs.next();
                        if (rs.getInt(1) != i) {
                            throw new IllegalStateException(name + " got " + rs.getInt(1) + " for select " + i);
                        }
                    }
                    step(name + " closing");
                }
                current = null;
                cycles.incrementAndGet();
            }
        }

        private void step(String what) {
            step = what;
            stepStartedNanos = System.nanoTime();
        }

        /** What this client is stuck on, or null if its current step is younger than the deadline. */
        String stuckFor(Duration deadline) {
            long started = stepStartedNanos;
            if (started == 0 || System.nanoTime() - started < deadline.toNanos()) {
                return null;
            }
            return step + " (client port " + PortRecordingSocketFactory.localPortOf(thread) + "): no progress for "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms";
        }

        boolean isAlive() {
            return thread.isAlive();
        }

        int cycles() {
            return cycles.get();
        }

        void abortAndJoin() throws InterruptedException {
            Connection c = current;
            if (c != null && thread.isAlive()) {
                try {
                    c.abort(Runnable::run); // unblocks a client stuck on a lost answer
                } catch (SQLException ignored) {
                    // the connection went away by itself meanwhile
                }
            }
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    /** Lets the test name a client the way SHOW CLIENTS does, by its port; PgJDBC instantiates it by name. */
    public static final class PortRecordingSocketFactory extends SocketFactory {
        private static final Map<Thread, Socket> LAST = new ConcurrentHashMap<>();

        /** The local port of the socket {@code thread} opened last, or -1. */
        static int localPortOf(Thread thread) {
            Socket s = LAST.get(thread);
            return s == null ? -1 : s.getLocalPort();
        }

        @Override
        public Socket createSocket() {
            Socket s = new Socket();
            LAST.put(Thread.currentThread(), s);
            return s;
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            throw new UnsupportedOperationException("PgJDBC connects an unconnected socket");
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            throw new UnsupportedOperationException("PgJDBC connects an unconnected socket");
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            throw new UnsupportedOperationException("PgJDBC connects an unconnected socket");
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            throw new UnsupportedOperationException("PgJDBC connects an unconnected socket");
        }
    }

    /** Busy threads beside the pooler, so its event loops lose their cores often; bounded in time. */
    static final class CpuBurner {
        private CpuBurner() {
        }

        static List<Thread> start(int count, AtomicBoolean stop, long deadlineNanos) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Thread t = new Thread(() -> {
                    long x = 0;
                    while (!stop.get() && System.nanoTime() < deadlineNanos) {
                        for (int k = 0; k < 100_000; k++) {
                            x = x * 6364136223846793005L + 1442695040888963407L;
                        }
                    }
                    if (x == 42) {
                        System.err.println(); // keeps the loop from being optimised away
                    }
                }, "cpu-burner-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            return threads;
        }
    }
}
