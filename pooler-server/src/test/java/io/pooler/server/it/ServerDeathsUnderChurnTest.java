package io.pooler.server.it;

import io.pooler.testing.Await;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.pool;
import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * PostgreSQL sessions that end at any moment while clients churn through transaction pooling across
 * more event loops than cores. A server may die while it is idle, linked, being reset, logging in or
 * moving to another loop; its own client may get an error, but nobody else may, nobody may wait
 * forever, no answer may reach the wrong client, and afterwards the pool must count what is really
 * there: no server left active without a client, no slot lost, no PostgreSQL session the pooler forgot.
 *
 * <p>Why: CI's fuzzer once found a server that died on its way to another loop adopted there and
 * kept in sv_active for good (ServerMoveTest). That was found by chance, 2 runs in 23; this test makes
 * such deaths routine: a killer ends one of the pool's PostgreSQL sessions every few milliseconds
 * while the clients connect, query and close, and burners make the loops lose their cores. On the code
 * before that fix (5f2f104^) its clients hung within ten cycles, on io_uring and on epoll.
 */
@PoolerTest
@Tag("issue10")
class ServerDeathsUnderChurnTest {
    private static final int EVENT_LOOPS = 4;
    private static final int POOL_SIZE = 4;
    private static final int CLIENT_THREADS = 8;
    private static final int BURNERS = Runtime.getRuntime().availableProcessors();
    /** A step taking longer than this is lost, not slow (see ConnectQueryCloseChurnTest). */
    private static final Duration STEP_DEADLINE = Duration.ofSeconds(20);
    private static final Duration RUN_LIMIT = Duration.ofSeconds(Long.getLong("deaths.seconds", 15));
    /** Between two killed sessions: often enough that deaths land in every state a server passes through. */
    private static final long KILL_PERIOD_MILLIS = 25;

    private final PoolerFixture pooler;

    ServerDeathsUnderChurnTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD)
                .set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("default_pool_size", String.valueOf(POOL_SIZE))
                .set("worker_threads", String.valueOf(EVENT_LOOPS))
                // A login refused by a session killed mid-login must not hold the pool's launches for 15 s.
                .set("server_login_retry", "1")
                .set("max_client_conn", "1000")
                .set("log_connections", "0").set("log_disconnections", "0")
                .start();
    }

    @Test
    void aDyingServerHurtsOnlyItsOwnClientAndThePoolCountsComeBack() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        long runDeadline = System.nanoTime() + RUN_LIMIT.toNanos();
        List<Thread> burners = ConnectQueryCloseChurnTest.CpuBurner.start(BURNERS, stop, runDeadline);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger hurt = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(CLIENT_THREADS + 1);
        List<Future<?>> clients = new ArrayList<>();
        int kills;
        try {
            for (int t = 0; t < CLIENT_THREADS; t++) {
                int number = t;
                clients.add(threads.submit(() -> churn(number, stop, runDeadline, answered, hurt, failures)));
            }
            Future<Integer> killer = threads.submit(() -> killSessions(stop, runDeadline));
            for (Future<?> c : clients) {
                c.get(RUN_LIMIT.plus(STEP_DEADLINE).plusSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
            }
            stop.set(true);
            kills = killer.get(30, TimeUnit.SECONDS);
        } finally {
            stop.set(true);
            threads.shutdownNow();
            for (Thread b : burners) {
                b.join();
            }
        }
        assertEquals(List.of(), List.copyOf(failures), "no client hung, got another's answer or an unexplained error");
        assertTrue(kills > 100, "the killer ended PostgreSQL sessions often enough to matter: " + kills);
        assertTrue(answered.get() > 100, "the clients got answers between the deaths: " + answered + " for " + kills + " kills");

        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            Await.until(Duration.ofSeconds(20), Await.quietly(() -> quiet(pool(admin, DB, SCRAM_USER))),
                    () -> "the pool settles with no client and no active server: " + dump(admin));
            Await.until(Duration.ofSeconds(20), Await.quietly(() -> serverCount(admin) == postgresSessions()),
                    () -> "every PostgreSQL session of the pool is one of its servers, and back: " + dump(admin));
            assertTrue(serverCount(admin) <= POOL_SIZE, "no more servers than the pool's size: " + dump(admin));
        }
        everySlotServesAtOnce();
        System.err.printf("server deaths: %d sessions ended, %d answers, %d clients told their server died%n",
                kills, answered.get(), hurt.get());
    }

    /**
     * Connect, run a query or a short transaction, close, until told to stop. A client whose server
     * died may get an error of the connection-failure or admin-shutdown classes (08, 57P01); anything
     * else, a wrong answer or a step past the deadline is a failure.
     */
    private Void churn(int number, AtomicBoolean stop, long runDeadline, AtomicInteger answered, AtomicInteger hurt,
                       ConcurrentLinkedQueue<String> failures) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; !stop.get() && System.nanoTime() < runDeadline; i++) {
            boolean extended = random.nextBoolean();
            boolean transaction = random.nextInt(3) == 0;
            Properties p = new Properties();
            p.setProperty("ApplicationName", "deaths-" + number + "-" + i);
            p.setProperty("socketTimeout", String.valueOf(STEP_DEADLINE.toSeconds()));
            String what = "client " + number + " cycle " + i + (extended ? " (extended" : " (simple") + (transaction ? ", transaction)" : ")");
            try (Connection c = extended ? pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p)
                    : pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD, p)) {
                if (transaction) {
                    c.setAutoCommit(false);
                    expect(c, "select " + i + " from pg_sleep(0.002)", i, what);
                    expect(c, "select " + (i + 1), i + 1, what);
                    c.commit();
                } else {
                    expect(c, "select " + i, i, what);
                }
                answered.incrementAndGet();
            } catch (SQLException e) {
                String state = e.getSQLState() == null ? "" : e.getSQLState();
                if (timedOut(e)) {
                    failures.add(what + ": no answer within " + STEP_DEADLINE.toSeconds() + " s: " + e);
                } else if (state.startsWith("08") || state.equals("57P01")) {
                    hurt.incrementAndGet(); // its server died under it: the one client it may hurt
                } else {
                    failures.add(what + ": " + state + " " + e);
                }
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        return null;
    }

    /** PgJDBC's socketTimeout ended a wait: the answer was lost (PgJDBC reports it as 08006 too). */
    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static void expect(Connection c, String sql, int value, String what) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next() || rs.getInt(1) != value) {
                throw new AssertionError(what + ": '" + sql + "' did not answer " + value);
            }
        }
    }

    /** Ends one of the pool's PostgreSQL sessions, chosen at random, every few milliseconds; returns how many. */
    private int killSessions(AtomicBoolean stop, long runDeadline) throws Exception {
        int kills = 0;
        try (Connection su = pooler.postgres().connectAsSuperuser("postgres"); Statement s = su.createStatement()) {
            while (!stop.get() && System.nanoTime() < runDeadline) {
                try (ResultSet rs = s.executeQuery("select count(pg_terminate_backend(pid)) from (select pid from pg_stat_activity"
                        + " where usename = '" + SCRAM_USER + "' and datname = '" + DB + "' order by random() limit 1) victim")) {
                    rs.next();
                    kills += rs.getInt(1);
                }
                Thread.sleep(KILL_PERIOD_MILLIS);
            }
        }
        return kills;
    }

    private static boolean quiet(Map<String, String> pool) {
        return intValue(pool, "cl_active") == 0 && intValue(pool, "cl_waiting") == 0 && intValue(pool, "sv_active") == 0;
    }

    private static int serverCount(Connection admin) throws SQLException {
        return (int) rows(admin, "SHOW SERVERS").stream().filter(r -> DB.equals(r.get("database"))).count();
    }

    private int postgresSessions() throws SQLException {
        try (Connection su = pooler.postgres().connectAsSuperuser("postgres"); Statement s = su.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from pg_stat_activity where usename = '" + SCRAM_USER
                     + "' and datname = '" + DB + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** POOL_SIZE clients, each holding a transaction open at the same time: no slot of the pool was lost. */
    private void everySlotServesAtOnce() throws Exception {
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < POOL_SIZE; i++) {
                Properties p = new Properties();
                p.setProperty("socketTimeout", String.valueOf(STEP_DEADLINE.toSeconds()));
                Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD, p);
                held.add(c);
                c.setAutoCommit(false);
                try {
                    expect(c, "select " + i, i, "slot " + i);
                } catch (SQLException e) {
                    fail("slot " + i + " of " + POOL_SIZE + " found no server: " + e);
                }
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
    }

    private static String dump(Connection admin) {
        StringBuilder out = new StringBuilder();
        for (String show : List.of("SHOW POOLS", "SHOW SERVERS", "SHOW CLIENTS")) {
            out.append('\n').append(show).append(':');
            try {
                for (Map<String, String> row : rows(admin, show)) {
                    out.append("\n  ").append(row);
                }
            } catch (SQLException e) {
                out.append(' ').append(e);
            }
        }
        return out.toString();
    }
}
