package io.pooler.server.it;

import io.pooler.pool.ConnectionLimits;
import io.pooler.protocol.SqlState;
import io.pooler.testing.Await;

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
import java.util.Queue;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.pool;
import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the churn tests that break things on purpose share: the killer of PostgreSQL sessions, the
 * checks of one client's answers, and the check that the pool comes back to what is really there once
 * the clients have gone. The pools are {@link TestRoles#DB}'s: {@link TestRoles#SCRAM_USER}'s unless a
 * method names another user.
 */
final class ChurnChaos {
    private final PoolerFixture pooler;
    /** A step taking longer than this is lost, not slow (see ConnectQueryCloseChurnTest). */
    private final Duration stepDeadline;
    /** Who reads the console: an admin user in the auth file. */
    private final String consoleUser;
    private final String consolePassword;

    ChurnChaos(PoolerFixture pooler, Duration stepDeadline) {
        this(pooler, stepDeadline, SCRAM_USER, SCRAM_PASSWORD);
    }

    ChurnChaos(PoolerFixture pooler, Duration stepDeadline, String consoleUser, String consolePassword) {
        this.pooler = pooler;
        this.stepDeadline = stepDeadline;
        this.consoleUser = consoleUser;
        this.consolePassword = consolePassword;
    }

    /**
     * What every churn test's Pooler has, before its own settings and start(): trust logins for the
     * test user, who is also admin, transaction pooling of {@code poolSize} over {@code eventLoops}
     * loops, room for the clients, and no per-connection log lines.
     */
    static PoolerFixture churnPooler(PoolerFixture pooler, int eventLoops, int poolSize) {
        return churnPools(pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD)
                .set("admin_users", SCRAM_USER), eventLoops, poolSize);
    }

    /** The pools, loops and logging of {@link #churnPooler}, without its users. */
    static PoolerFixture churnPools(PoolerFixture pooler, int eventLoops, int poolSize) {
        return pooler.set("pool_mode", "transaction").set("default_pool_size", String.valueOf(poolSize))
                .set("worker_threads", String.valueOf(eventLoops))
                .set("max_client_conn", "1000")
                .set("log_connections", "0").set("log_disconnections", "0");
    }

    /** PgJDBC properties of a churning client: its name, and the deadline on every wait for an answer. */
    Properties clientProperties(String applicationName) {
        Properties p = new Properties();
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("socketTimeout", String.valueOf(stepDeadline.toSeconds()));
        return p;
    }

    /**
     * Each churning thread's current step, so that the watcher sees a stuck one while it is stuck and
     * the pool can be dumped then, not after the client's own timeout has cleared it away.
     */
    static final class Steps {
        private final AtomicLongArray startedNanos;
        private final AtomicReferenceArray<String> names;

        Steps(int threads) {
            startedNanos = new AtomicLongArray(threads);
            names = new AtomicReferenceArray<>(threads);
        }

        /** Thread {@code thread} begins {@code name}. */
        void begin(int thread, String name) {
            names.set(thread, name);
            startedNanos.set(thread, System.nanoTime());
        }

        /** The first step older than {@code after}, or null. */
        String stuck(Duration after) {
            for (int t = 0; t < startedNanos.length(); t++) {
                long started = startedNanos.get(t);
                if (started != 0 && System.nanoTime() - started > after.toNanos()) {
                    return names.get(t);
                }
            }
            return null;
        }
    }

    /**
     * Closes {@code window} once the run has done enough, and waits until every client is done, or
     * until the window's hard end and a step's deadline after it have passed; the first step stuck for
     * {@code stuckAfter} adds a failure with the pool's state at that moment ({@link #dumpNow}).
     */
    void watch(List<? extends Future<?>> clients, Steps steps, RunWindow window, Duration stuckAfter,
               Queue<String> failures) throws InterruptedException {
        long untilNanos = window.hardEndNanos() + stepDeadline.plusSeconds(30).toNanos();
        boolean dumped = false;
        while (clients.stream().anyMatch(c -> !c.isDone()) && System.nanoTime() < untilNanos) {
            window.closeIfDone();
            String stuck = dumped ? null : steps.stuck(stuckAfter);
            if (stuck != null) {
                failures.add(stuck + ": no progress for " + stuckAfter.toSeconds() + " s; at that moment:" + dumpNow());
                dumped = true;
            }
            Thread.sleep(100); // the watcher's polling period, not a wait for a result
        }
    }

    /** PgJDBC's socketTimeout ended a wait: the answer was lost (PgJDBC reports it as 08006 too). */
    static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** What a client whose own server died may be told: connection failure (08) or admin shutdown. */
    static boolean serverDied(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return state.startsWith("08") || state.equals(SqlState.ADMIN_SHUTDOWN);
    }

    /** Runs {@code sql} and checks that its one row's first column is {@code value}; an AssertionError names {@code what}. */
    static void expect(Connection c, String sql, int value, String what) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next() || rs.getInt(1) != value) {
                throw new AssertionError(what + ": '" + sql + "' did not answer " + value);
            }
        }
    }

    /**
     * Ends one of the pool's PostgreSQL sessions, chosen at random, every {@code periodMillis}, while
     * {@code window} is open, counting them in {@code kills}; returns how many it ended.
     */
    int killSessions(RunWindow window, long periodMillis, AtomicInteger kills) throws Exception {
        return killSessions(window, periodMillis, List.of(SCRAM_USER), kills);
    }

    /** {@link #killSessions(RunWindow, long, AtomicInteger)} in the pools of {@code users} (of DB) together. */
    int killSessions(RunWindow window, long periodMillis, List<String> users, AtomicInteger kills) throws Exception {
        try (Connection su = pooler.postgres().connectAsSuperuser("postgres"); Statement s = su.createStatement()) {
            while (window.isOpen()) {
                try (ResultSet rs = s.executeQuery("select count(pg_terminate_backend(pid)) from (select pid from pg_stat_activity"
                        + " where usename in (" + quoted(users) + ") and datname = '" + DB + "' order by random() limit 1) victim")) {
                    rs.next();
                    kills.addAndGet(rs.getInt(1));
                }
                Thread.sleep(periodMillis);
            }
        }
        return kills.get();
    }

    /**
     * Once the clients have gone: the pool settles with no client and no active server, every
     * PostgreSQL session of the pool is one of its servers and back, there are no more of them than
     * {@code poolSize}, and {@code poolSize} clients holding a transaction each are all served at once.
     */
    void assertPoolComesBack(int poolSize) throws Exception {
        assertPoolComesBack(SCRAM_USER, SCRAM_PASSWORD, poolSize);
    }

    /** {@link #assertPoolComesBack(int)} for the pool of {@code user}, who logs in with {@code password}. */
    void assertPoolComesBack(String user, String password, int poolSize) throws Exception {
        try (Connection admin = console()) {
            Await.until(Duration.ofSeconds(20), Await.quietly(() -> quiet(pool(admin, DB, user))),
                    () -> "the pool of " + user + " settles with no client and no active server: " + dump(admin));
            Await.until(Duration.ofSeconds(20), Await.quietly(() -> serverCount(admin, user) == postgresSessions(user)),
                    () -> "every PostgreSQL session of " + user + "'s pool is one of its servers, and back: " + dump(admin));
            Await.until(Duration.ofSeconds(20), Await.quietly(() -> serverCount(admin, user) <= poolSize),
                    () -> "no more servers in " + user + "'s pool than its size, " + poolSize + ": " + dump(admin));
        }
        everySlotServesAtOnce(user, password, poolSize);
    }

    private Connection console() throws SQLException {
        return pooler.connectSimple("pgbouncer", consoleUser, consolePassword);
    }

    private static String quoted(List<String> users) {
        return users.stream().map(u -> "'" + u + "'").collect(java.util.stream.Collectors.joining(", "));
    }

    private static boolean quiet(Map<String, String> pool) {
        return intValue(pool, "cl_active") == 0 && intValue(pool, "cl_waiting") == 0 && intValue(pool, "sv_active") == 0;
    }

    private static int serverCount(Connection admin, String user) throws SQLException {
        return (int) rows(admin, "SHOW SERVERS").stream()
                .filter(r -> DB.equals(r.get("database")) && user.equals(r.get("user"))).count();
    }

    private int postgresSessions(String user) throws SQLException {
        try (Connection su = pooler.postgres().connectAsSuperuser("postgres"); Statement s = su.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from pg_stat_activity where usename = '" + user
                     + "' and datname = '" + DB + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** {@code poolSize} clients, each holding a transaction open at the same time: no slot of the pool was lost. */
    private void everySlotServesAtOnce(String user, String password, int poolSize) throws Exception {
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < poolSize; i++) {
                Connection c = pooler.connectSimple(DB, user, password, clientProperties("slot-" + i));
                held.add(c);
                c.setAutoCommit(false);
                try {
                    expect(c, "select " + i, i, "slot " + i);
                } catch (SQLException e) {
                    fail("slot " + i + " of " + poolSize + " found no server: " + e);
                }
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
    }

    /**
     * Once the pool has settled: the counts max_db_connections and max_user_connections are checked
     * against (atomic, shared by the loops) equal the servers the pool lists. A slot taken twice or
     * given back twice on some path would leave them apart, and the limit off by as much for good.
     */
    void assertLimitCountsMatchTheServers() throws Exception {
        try (Connection admin = console()) {
            ConnectionLimits limits = pooler.server().connectionLimits();
            Await.until(Duration.ofSeconds(20), Await.quietly(() -> {
                int servers = serverCount(admin, SCRAM_USER);
                return limits.serversOfDatabase(DB) == servers && limits.serversOfUser(SCRAM_USER) == servers;
            }), () -> "max_db_connections' count " + limits.serversOfDatabase(DB) + " and max_user_connections' "
                    + limits.serversOfUser(SCRAM_USER) + " equal the servers listed:" + dump(admin));
        }
    }

    /** SHOW POOLS, SERVERS and CLIENTS and PostgreSQL's view of the pool's sessions, as they are now. */
    String dumpNow() {
        StringBuilder out = new StringBuilder();
        try (Connection admin = console()) {
            out.append(dump(admin));
        } catch (SQLException e) {
            out.append(e);
        }
        out.append("\npg_stat_activity:");
        try (Connection su = pooler.postgres().connectAsSuperuser("postgres")) {
            for (Map<String, String> row : rows(su, "select pid, state, wait_event, backend_xid, query from pg_stat_activity"
                    + " where usename <> '" + pooler.postgres().superuser() + "' and datname = '" + DB + "' order by pid")) {
                out.append("\n  ").append(row);
            }
        } catch (SQLException e) {
            out.append(' ').append(e);
        }
        return out.toString();
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
