package io.pooler.server.it;

import io.pooler.protocol.SqlState;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pooler.server.it.ChurnChaos.expect;
import static io.pooler.server.it.ChurnChaos.serverDied;
import static io.pooler.server.it.ChurnChaos.timedOut;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything a client may do to the pool at once, while clients churn through transaction pooling
 * over more event loops than cores: cancel its query at a random moment (the cancel may land before,
 * during or after the query, and its server may meanwhile serve someone else), vanish mid-query, use
 * server-side prepared statements, while an operator resizes the pool with RELOAD and runs console
 * commands ({@link ConsoleChaos}) and PostgreSQL sessions end now and then. What may not happen: a
 * client that cancelled nothing gets "canceling statement due to user request" (another's cancel
 * reached its server), an answer goes to the wrong client, a client waits past the deadline, or the
 * pool, once the clients have gone, counts servers that are not there or loses a slot.
 *
 * <p>It found a server whose session ended while it waited in sv_being_canceled put back in the pool
 * after the cancel, given to a waiting client that then hung (PoolShardTest has it at the pool's
 * level). To narrow a failure down: {@code -Dchaos.kinds=SELECT,CANCELLED} (the kinds drawn),
 * {@code -Dchaos.kill=false}, {@code -Dchaos.reload=false}, {@code -Dchaos.console=false}.
 */
abstract class ClientChaosUnderChurn {
    private static final int EVENT_LOOPS = 4;
    private static final int CLIENT_THREADS = 8;
    private static final int BURNERS = Runtime.getRuntime().availableProcessors();
    private static final Duration STEP_DEADLINE = Duration.ofSeconds(20);
    /** A step this old is dumped while it is stuck: well past a loaded machine's seconds, well before its deadline. */
    private static final Duration STUCK_AFTER = Duration.ofSeconds(8);
    /** The planned run; a slow machine's goes on until {@link #enoughDone} ({@link RunWindow}). */
    private static final Duration RUN_LIMIT = Duration.ofSeconds(Long.getLong("chaos.seconds", 10));
    /** More answers than this of each kind checked, and more reloads, show the chaos left room for work. */
    private static final int ENOUGH = 10;
    /** The kinds whose answers are counted against ENOUGH; the others may fail by design. */
    private static final List<Kind> CHECKED_KINDS = List.of(Kind.SELECT, Kind.PREPARED, Kind.TRANSACTION);
    /** pg_sleep's argument in the CANCELLED cycles whose cancel should land while the query runs. */
    private static final String SURELY_CANCELLED_SECONDS = "2";
    private static final long KILL_PERIOD_MILLIS = 150;
    private static final long RELOAD_PERIOD_MILLIS = 250;
    private static final long CONSOLE_PERIOD_MILLIS = 150;
    /** The pool sizes RELOAD cycles through while the clients churn, and the one it ends on. */
    private static final int[] POOL_SIZES = {2, 5, 3, 6};
    private static final int FINAL_POOL_SIZE = 4;

    /** What a cycle does; each kind has its own answers it may get. */
    private enum Kind { SELECT, PREPARED, TRANSACTION, CANCELLED, ABANDONED }

    /** The kinds the clients draw from: all, or those of -Dchaos.kinds=SELECT,CANCELLED. */
    private static final Kind[] KINDS = kindsToDraw();

    private static Kind[] kindsToDraw() {
        String named = System.getProperty("chaos.kinds", "");
        return named.isBlank() ? Kind.values() : Arrays.stream(named.split(",")).map(Kind::valueOf).toArray(Kind[]::new);
    }

    private final PoolerFixture pooler;
    private final ChurnChaos chaos;
    private final Properties clientExtras;
    /** max_db_connections or max_user_connections where a variant sets them: never more servers than this. */
    private final int serverCap;
    /** pg_sleep's argument in the queries CANCELLED cycles cancel. */
    private final String cancelledQuerySeconds;
    private final ConcurrentHashMap<Kind, AtomicInteger> answered = new ConcurrentHashMap<>();
    private final AtomicInteger cancelled = new AtomicInteger();
    private final AtomicInteger reloads = new AtomicInteger();
    private final AtomicInteger hurt = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final ChurnChaos.Steps steps = new ChurnChaos.Steps(CLIENT_THREADS);

    /**
     * Pooler with transaction pooling and {@code settings} on top: the plain chaos
     * ({@link ClientChaosUnderChurnTest}), another pool_mode ({@link SessionClientChaosUnderChurnTest}),
     * servers that live a second ({@link ShortLivedServersChaosTest}), TLS, limits shared by the loops
     * ({@link SharedLimitsChaosTest}). JUnit wants one constructor per test class, hence a class per
     * variant.
     */
    ClientChaosUnderChurn(PoolerFixture pooler, Map<String, String> settings) throws Exception {
        this(pooler, settings, new Properties(), 20);
    }

    /**
     * The same, each churning client connecting with {@code clientExtras} too, and the queries its
     * CANCELLED cycles cancel taking {@code cancelledQueryMillis} (TlsClientChaosUnderChurnTest: a cancel's
     * own TLS handshake takes longer than 20 ms on a loaded machine).
     */
    ClientChaosUnderChurn(PoolerFixture pooler, Map<String, String> settings, Properties clientExtras,
                          int cancelledQueryMillis) throws Exception {
        this.clientExtras = clientExtras;
        this.cancelledQuerySeconds = String.format(Locale.ROOT, "%.3f", cancelledQueryMillis / 1000.0);
        ChurnChaos.churnPooler(pooler, EVENT_LOOPS, POOL_SIZES[0]);
        settings.forEach(pooler::set);
        this.serverCap = settings.entrySet().stream()
                .filter(e -> e.getKey().equals("max_db_connections") || e.getKey().equals("max_user_connections"))
                .mapToInt(e -> Integer.parseInt(e.getValue())).filter(n -> n > 0).min().orElse(Integer.MAX_VALUE);
        this.pooler = pooler.start();
        this.chaos = new ChurnChaos(pooler, STEP_DEADLINE);
    }

    @Test
    void cancelsAbandonsPreparedStatementsReloadsAndDeathsHurtOnlyTheirOwnClient() throws Exception {
        RunWindow window = new RunWindow(RUN_LIMIT, this::enoughDone);
        List<Thread> burners = ConnectQueryCloseChurnTest.CpuBurner.start(BURNERS, window.stop(), window.hardEndNanos());
        ExecutorService threads = Executors.newFixedThreadPool(CLIENT_THREADS + 3);
        ScheduledExecutorService interrupters = Executors.newScheduledThreadPool(2);
        List<Future<?>> clients = new ArrayList<>();
        int kills;
        int consoleCommands;
        try {
            for (int t = 0; t < CLIENT_THREADS; t++) {
                int number = t;
                clients.add(threads.submit(() -> churn(number, window, interrupters)));
            }
            Future<Integer> killer = threads.submit(() -> switchedOn("chaos.kill")
                    ? chaos.killSessions(window, KILL_PERIOD_MILLIS, new AtomicInteger()) : 0);
            Future<?> reloader = threads.submit(() -> {
                if (switchedOn("chaos.reload")) {
                    resizeThePool(window);
                }
                return null;
            });
            Future<Integer> operator = threads.submit(() -> switchedOn("chaos.console")
                    ? new ConsoleChaos(pooler, CONSOLE_PERIOD_MILLIS).run(window) : 0);
            chaos.watch(clients, steps, window, STUCK_AFTER, failures);
            window.close();
            kills = killer.get(30, TimeUnit.SECONDS);
            reloader.get(30, TimeUnit.SECONDS);
            consoleCommands = operator.get(30, TimeUnit.SECONDS);
        } finally {
            window.close();
            threads.shutdownNow();
            interrupters.shutdownNow();
            for (Thread b : burners) {
                b.join();
            }
        }
        assertEquals(List.of(), List.copyOf(failures), "no client hung, got another's answer, another's cancel or an unexplained error");
        assertTrue(reloads.get() > ENOUGH || !switchedOn("chaos.reload"), "the pool was resized often enough to matter: " + reloads);
        for (Kind kind : CHECKED_KINDS) {
            assertTrue(count(kind) > ENOUGH || !drawn(kind), kind + " cycles got their answers: " + answered);
        }
        assertTrue(cancelled.get() > 0 || !drawn(Kind.CANCELLED), "some cancels landed while their query ran");

        pooler.set("default_pool_size", String.valueOf(FINAL_POOL_SIZE)).reload();
        chaos.assertPoolComesBack(Math.min(FINAL_POOL_SIZE, serverCap));
        chaos.assertLimitCountsMatchTheServers();
        System.err.printf("client chaos: answers %s, %d queries cancelled, %d clients told their server died or"
                + " the operator's doing, %d sessions ended, %d reloads, %d console commands%n",
                answered, cancelled.get(), hurt.get(), kills, reloads.get(), consoleCommands);
    }

    /** Whether the run has done what the checks after it count: the window may close once it has. */
    private boolean enoughDone() {
        return (reloads.get() > ENOUGH || !switchedOn("chaos.reload"))
                && CHECKED_KINDS.stream().allMatch(kind -> count(kind) > ENOUGH || !drawn(kind))
                && (cancelled.get() > 0 || !drawn(Kind.CANCELLED));
    }

    private static boolean drawn(Kind kind) {
        return Arrays.asList(KINDS).contains(kind);
    }

    /** A source of chaos is on unless -D{@code name}=false. */
    private static boolean switchedOn(String name) {
        return Boolean.parseBoolean(System.getProperty(name, "true"));
    }

    private int count(Kind kind) {
        AtomicInteger n = answered.get(kind);
        return n == null ? 0 : n.get();
    }

    /** Connect, do one kind of thing at random, close, until told to stop. */
    private Void churn(int number, RunWindow window, ScheduledExecutorService interrupters) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; window.isOpen(); i++) {
            Kind kind = KINDS[random.nextInt(KINDS.length)];
            boolean extended = kind == Kind.PREPARED || random.nextBoolean();
            Properties p = chaos.clientProperties("chaos-" + number + "-" + i);
            p.putAll(clientExtras);
            if (kind == Kind.PREPARED) {
                p.setProperty("prepareThreshold", "1"); // a named server-side statement from the first execution
            }
            String what = "client " + number + " cycle " + i + " (" + kind + (extended ? ", extended)" : ", simple)");
            steps.begin(number, what);
            try (Connection c = extended ? pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p)
                    : pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD, p)) {
                if (run(kind, c, i, what, interrupters)) {
                    answered.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
                }
            } catch (SQLException e) {
                judge(kind, what, e);
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        return null;
    }

    /** Runs one cycle's work; false when the cycle cut itself short on purpose (a cancel or an abandon that won). */
    private boolean run(Kind kind, Connection c, int i, String what, ScheduledExecutorService interrupters) throws SQLException {
        int delayMillis = ThreadLocalRandom.current().nextInt(30);
        switch (kind) {
            case SELECT -> expect(c, "select " + i, i, what);
            case PREPARED -> {
                try (PreparedStatement ps = c.prepareStatement("select ?::int + 1")) {
                    for (int k = 0; k < 3; k++) {
                        ps.setInt(1, i + k);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (!rs.next() || rs.getInt(1) != i + k + 1) {
                                throw new AssertionError(what + ": the prepared statement did not answer " + (i + k + 1));
                            }
                        }
                    }
                }
            }
            case TRANSACTION -> {
                c.setAutoCommit(false);
                expect(c, "select " + i + " from pg_sleep(0.002)", i, what);
                expect(c, "select " + (i + 1), i + 1, what);
                c.commit();
            }
            case CANCELLED -> {
                // Half the cancels race a short query (they land before, during or after it), half one
                // they all but surely reach while it runs: a cancel takes PostgreSQL itself some 17 ms
                // on an idle machine here, more than the short query on a loaded one, and a CI run
                // whose 40 s of short queries saw not one cancel land went red.
                String seconds = ThreadLocalRandom.current().nextBoolean()
                        ? cancelledQuerySeconds : SURELY_CANCELLED_SECONDS;
                try (Statement s = c.createStatement()) {
                    interrupters.schedule(() -> cancel(s), delayMillis, TimeUnit.MILLISECONDS);
                    try (ResultSet rs = s.executeQuery("select " + i + " from pg_sleep(" + seconds + ")")) {
                        if (!rs.next() || rs.getInt(1) != i) {
                            throw new AssertionError(what + ": the query to cancel did not answer " + i);
                        }
                    } catch (SQLException e) {
                        if (!SqlState.QUERY_CANCELED.equals(e.getSQLState())) {
                            throw e;
                        }
                        cancelled.incrementAndGet();
                        return false;
                    }
                }
            }
            case ABANDONED -> {
                interrupters.schedule(() -> abandon(c), delayMillis, TimeUnit.MILLISECONDS);
                try {
                    expect(c, "select " + i + " from pg_sleep(0.02)", i, what);
                } catch (SQLException e) {
                    if (c.isClosed()) {
                        return false; // its own abandon won: any error is its own doing
                    }
                    throw e;
                }
            }
        }
        return true;
    }

    /** Sorts a cycle's error: its server's death and its own cancel are allowed, anything else is a failure. */
    private void judge(Kind kind, String what, SQLException e) {
        if (timedOut(e)) {
            failures.add(what + ": no answer within " + STEP_DEADLINE.toSeconds() + " s: " + e);
        } else if (kind == Kind.ABANDONED && e.getSQLState() != null && e.getSQLState().startsWith("08")) {
            return; // the abandon closed the socket while the driver was connecting or closing
        } else if (SqlState.QUERY_CANCELED.equals(e.getSQLState())) {
            failures.add(what + ": cancelled, but this client cancelled nothing: " + e);
        } else if (serverDied(e) || ConsoleChaos.mayTell(e)) {
            hurt.incrementAndGet();
        } else {
            failures.add(what + ": " + e.getSQLState() + " " + e);
        }
    }

    private static void cancel(Statement s) {
        try {
            s.cancel();
        } catch (SQLException ignored) {
            // the statement finished and closed first: a cancel with nothing to cancel
        }
    }

    /** Closes the client's socket under it, as a process that dies mid-query does. */
    private static void abandon(Connection c) {
        try {
            c.abort(Runnable::run);
        } catch (SQLException ignored) {
            // closed already
        }
    }

    /**
     * RELOADs every RELOAD_PERIOD_MILLIS with the next of POOL_SIZES and the next of the database's
     * entries: none (the {@code *} entry serves it), its own, and its own with connect_query. A changed
     * entry makes every server of the pool close-needed (RECONNECT's path). Counts them in {@link #reloads}.
     */
    private void resizeThePool(RunWindow window) throws Exception {
        String address = "host=" + pooler.postgres().host() + " port=" + pooler.postgres().port() + " dbname=" + DB;
        List<String> entries = Arrays.asList(null, address + " application_name=chaos", address + " connect_query='select 1'");
        while (window.isOpen()) {
            Thread.sleep(RELOAD_PERIOD_MILLIS);
            int reload = reloads.incrementAndGet();
            String entry = entries.get(reload / 2 % entries.size()); // a new entry every other reload
            if (entry == null) {
                pooler.databases().remove(DB);
            } else {
                pooler.databases().put(DB, entry);
            }
            pooler.set("default_pool_size", String.valueOf(POOL_SIZES[reload % POOL_SIZES.length])).reload()
                    .ifPresent(refused -> failures.add("RELOAD refused: " + refused));
        }
    }
}
