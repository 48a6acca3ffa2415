package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
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
import java.util.function.Predicate;

import static io.pooler.server.it.ChurnChaos.expect;
import static io.pooler.server.it.ChurnChaos.timedOut;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 *
 * <p>The pooler each variant runs, and whose sessions its killer ends, are the subclass's
 * ({@link ServerDeathsUnderChurnTest}, {@link AuthQueryDeathsUnderChurnTest}); JUnit wants one
 * constructor per test class, hence a class per variant.
 */
abstract class ServerDeathsUnderChurn {
    static final int EVENT_LOOPS = 4;
    static final int POOL_SIZE = 4;
    private static final int CLIENT_THREADS = 8;
    private static final int BURNERS = Runtime.getRuntime().availableProcessors();
    /** A step taking longer than this is lost, not slow (see ConnectQueryCloseChurnTest). */
    static final Duration STEP_DEADLINE = Duration.ofSeconds(20);
    /** A step this old is dumped while it is stuck: well past a loaded machine's seconds, well before its deadline. */
    private static final Duration STUCK_AFTER = Duration.ofSeconds(8);
    /** The planned run; a slow machine's goes on until the counts below are reached ({@link RunWindow}). */
    private static final Duration RUN_LIMIT = Duration.ofSeconds(Long.getLong("deaths.seconds", 10));
    /** More answers than this show that the clients got work done between the disruptions. */
    static final int ENOUGH_ANSWERS = 100;
    /** More sessions ended than this, and deaths land in every state a server passes through. */
    private static final int ENOUGH_KILLS = 100;
    /** Between two killed sessions: often enough that deaths land in every state a server passes through. */
    private static final long KILL_PERIOD_MILLIS = 25;

    final PoolerFixture pooler;
    final ChurnChaos chaos;
    private final ChurnChaos.Steps steps = new ChurnChaos.Steps(CLIENT_THREADS);

    /** {@code pooler} started, with {@value #POOL_SIZE} servers a pool over {@value #EVENT_LOOPS} loops. */
    ServerDeathsUnderChurn(PoolerFixture pooler, ChurnChaos chaos) {
        this.pooler = pooler;
        this.chaos = chaos;
    }

    /**
     * The users of {@link TestRoles#DB} whose PostgreSQL sessions the killer ends, chosen among them at
     * random: the clients' own pool's.
     */
    List<String> killedUsers() {
        return List.of(SCRAM_USER);
    }

    /** What a client whose server (or whose login's server) died may be told. */
    boolean mayBeTold(SQLException e) {
        return ChurnChaos.serverDied(e);
    }

    /** Once the clients have gone: the pools the killer hit come back. */
    void assertPoolsComeBack() throws Exception {
        chaos.assertPoolComesBack(POOL_SIZE);
    }

    @Test
    void aDyingServerHurtsOnlyItsOwnClientAndThePoolCountsComeBack() throws Exception {
        Outcome o = churnWhile((window, kills) -> chaos.killSessions(window, KILL_PERIOD_MILLIS, killedUsers(), kills),
                ENOUGH_KILLS + 1, this::mayBeTold);
        assertTrue(o.disruptions > ENOUGH_KILLS, "the killer ended PostgreSQL sessions often enough to matter: " + o);
        assertTrue(o.answered > ENOUGH_ANSWERS, "the clients got answers between the deaths: " + o);
        assertPoolsComeBack();
        System.err.printf("server deaths: %d sessions ended, %d answers, %d clients told their server died%n",
                o.disruptions, o.answered, o.hurt);
    }

    /** What a churn run came to: answers, clients told their server died, and what the disruptor counted. */
    record Outcome(int answered, int hurt, int disruptions) {
    }

    /** Something that breaks things while the run's window is open, and counts what it did in {@code disruptions}. */
    @FunctionalInterface
    interface Disruptor {
        void run(RunWindow window, AtomicInteger disruptions) throws Exception;
    }

    /**
     * CLIENT_THREADS churning clients beside CPU burners and {@code disruptor} for RUN_LIMIT, and on
     * until the clients have more than ENOUGH_ANSWERS answers and the disruptor has counted
     * {@code enoughDisruptions}; fails on any client that hung, got a wrong answer or an error
     * {@code mayBeTold} does not allow.
     */
    Outcome churnWhile(Disruptor disruptor, int enoughDisruptions, Predicate<SQLException> mayBeTold) throws Exception {
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger hurt = new AtomicInteger();
        AtomicInteger disruptions = new AtomicInteger();
        RunWindow window = new RunWindow(RUN_LIMIT,
                () -> answered.get() > ENOUGH_ANSWERS && disruptions.get() >= enoughDisruptions);
        List<Thread> burners = ConnectQueryCloseChurnTest.CpuBurner.start(BURNERS, window.stop(), window.hardEndNanos());
        ExecutorService threads = Executors.newFixedThreadPool(CLIENT_THREADS + 1);
        List<Future<?>> clients = new ArrayList<>();
        try {
            for (int t = 0; t < CLIENT_THREADS; t++) {
                int number = t;
                clients.add(threads.submit(() -> churn(number, window, answered, hurt, failures, mayBeTold)));
            }
            Future<?> disrupting = threads.submit(() -> {
                disruptor.run(window, disruptions);
                return null;
            });
            chaos.watch(clients, steps, window, STUCK_AFTER, failures);
            window.close();
            disrupting.get(60, TimeUnit.SECONDS);
        } finally {
            window.close();
            threads.shutdownNow();
            for (Thread b : burners) {
                b.join();
            }
        }
        assertEquals(List.of(), List.copyOf(failures), "no client hung, got another's answer or an unexplained error");
        return new Outcome(answered.get(), hurt.get(), disruptions.get());
    }

    /**
     * Connect, run a query or a short transaction, close, until told to stop. A client whose server
     * died may get an error {@code mayBeTold} allows; anything else, a wrong answer or a step past the
     * deadline is a failure.
     */
    private Void churn(int number, RunWindow window, AtomicInteger answered, AtomicInteger hurt,
                       ConcurrentLinkedQueue<String> failures, Predicate<SQLException> mayBeTold) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; window.isOpen(); i++) {
            boolean extended = random.nextBoolean();
            boolean transaction = random.nextInt(3) == 0;
            Properties p = chaos.clientProperties("deaths-" + number + "-" + i);
            String what = "client " + number + " cycle " + i + (extended ? " (extended" : " (simple") + (transaction ? ", transaction)" : ")");
            steps.begin(number, what);
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
                if (timedOut(e)) {
                    failures.add(what + ": no answer within " + STEP_DEADLINE.toSeconds() + " s: " + e);
                } else if (mayBeTold.test(e)) {
                    hurt.incrementAndGet(); // its server died under it: the one client it may hurt
                } else {
                    failures.add(what + ": " + e.getSQLState() + " " + e);
                }
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        return null;
    }
}
