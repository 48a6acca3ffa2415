package io.pooler.server.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.pooler.server.it.ChurnChaos.expect;
import static io.pooler.server.it.ChurnChaos.serverDied;
import static io.pooler.server.it.ChurnChaos.timedOut;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LISTEN multiplexed in transaction pooling while listeners come and go, run transactions between
 * their notifications, and PostgreSQL sessions of the pool, the listening one among them, end now and
 * then. Notifiers on direct connections send each channel a numbered stream. What may not happen: a
 * listener that stays connected misses, repeats or reorders a notification of a channel it listens to
 * (once it has seen the first), gets one of a channel it does not listen to, or waits past the
 * deadline; a listener may be disconnected (08006) when the listening server is lost, as
 * README "LISTEN/NOTIFY in transaction pooling" says, and then starts again. Once all have gone the
 * pool's counts come back.
 */
@PoolerTest
@Tag("issue10")
class ListenChaosUnderChurnTest {
    private static final int EVENT_LOOPS = 4;
    private static final int POOL_SIZE = 3;
    private static final int LISTENERS = 6;
    private static final int CHANNELS = 4;
    private static final Duration STEP_DEADLINE = Duration.ofSeconds(20);
    private static final Duration STUCK_AFTER = Duration.ofSeconds(8);
    /** The planned run; a slow machine's goes on until the counts below are reached ({@link RunWindow}). */
    private static final Duration RUN_LIMIT = Duration.ofSeconds(Long.getLong("listen.chaos.seconds", 10));
    /** More notifications checked than this show the listeners got work done between the kills. */
    private static final int ENOUGH_DELIVERED = 1000;
    /** More sessions killed than this, and the kills hit listening servers in their several states. */
    private static final int ENOUGH_KILLS = 5;
    private static final long KILL_PERIOD_MILLIS = 400;
    private static final long NOTIFY_PERIOD_MILLIS = 4;

    private final PoolerFixture pooler;
    private final ChurnChaos chaos;
    private final ChurnChaos.Steps steps = new ChurnChaos.Steps(LISTENERS);
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger disconnected = new AtomicInteger();

    ListenChaosUnderChurnTest(PoolerFixture pooler) throws Exception {
        this.pooler = ChurnChaos.churnPooler(pooler, EVENT_LOOPS, POOL_SIZE).set("listen_multiplex", "1").start();
        this.chaos = new ChurnChaos(pooler, STEP_DEADLINE);
    }

    @Test
    void listenersMissNothingWhileTheyStayAndThePoolComesBack() throws Exception {
        AtomicInteger killed = new AtomicInteger();
        RunWindow window = new RunWindow(RUN_LIMIT, () -> delivered.get() > ENOUGH_DELIVERED && killed.get() > ENOUGH_KILLS);
        ExecutorService threads = Executors.newFixedThreadPool(LISTENERS + CHANNELS + 1);
        List<Future<?>> listeners = new ArrayList<>();
        List<Future<Integer>> notifiers = new ArrayList<>();
        int kills;
        try {
            for (int c = 0; c < CHANNELS; c++) {
                String channel = "chaos" + c;
                notifiers.add(threads.submit(() -> notify(channel, window)));
            }
            for (int t = 0; t < LISTENERS; t++) {
                int number = t;
                listeners.add(threads.submit(() -> listen(number, window)));
            }
            Future<Integer> killer = threads.submit(() -> chaos.killSessions(window, KILL_PERIOD_MILLIS, killed));
            chaos.watch(listeners, steps, window, STUCK_AFTER, failures);
            window.close();
            kills = killer.get(30, TimeUnit.SECONDS);
            for (Future<Integer> n : notifiers) {
                n.get(30, TimeUnit.SECONDS);
            }
        } finally {
            window.close();
            threads.shutdownNow();
        }
        assertEquals(List.of(), List.copyOf(failures), "no listener missed, repeated or reordered a notification,"
                + " got another channel's, or hung");
        assertTrue(delivered.get() > ENOUGH_DELIVERED, "notifications reached the listeners: " + delivered);
        assertTrue(kills > ENOUGH_KILLS, "sessions were killed: " + kills);
        chaos.assertPoolComesBack(POOL_SIZE);
        System.err.printf("listen chaos: %d notifications checked over %d listening sessions, %d disconnected"
                + " with their listening server, %d sessions ended%n", delivered.get(), sessions.get(), disconnected.get(), kills);
    }

    /** Sends "1", "2", ... to {@code channel} from a direct connection, one transaction each; returns the last number. */
    private int notify(String channel, RunWindow window) throws Exception {
        int sequence = 0;
        try (Connection c = pooler.postgres().connectAsSuperuser(DB); Statement s = c.createStatement()) {
            while (window.isOpen()) {
                s.execute("notify " + channel + ", '" + (++sequence) + "'");
                Thread.sleep(NOTIFY_PERIOD_MILLIS);
            }
        }
        return sequence;
    }

    /** One listener: sessions of a few hundred milliseconds on one or two channels, until told to stop. */
    private Void listen(int number, RunWindow window) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; window.isOpen(); i++) {
            boolean extended = random.nextBoolean();
            String what = "listener " + number + " session " + i + (extended ? " (extended)" : " (simple)");
            steps.begin(number, what);
            Properties p = chaos.clientProperties("listen-" + number + "-" + i);
            try (Connection c = extended ? pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p)
                    : pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD, p)) {
                listenSession(c, what, random);
                sessions.incrementAndGet();
            } catch (SQLException e) {
                if (timedOut(e)) {
                    failures.add(what + ": no answer within " + STEP_DEADLINE.toSeconds() + " s: " + e);
                } else if (serverDied(e)) {
                    disconnected.incrementAndGet(); // the listening server (or its own) was lost
                } else {
                    failures.add(what + ": " + e.getSQLState() + " " + e);
                }
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        return null;
    }

    private void listenSession(Connection c, String what, ThreadLocalRandom random) throws SQLException {
        Set<String> channels = new HashSet<>();
        channels.add("chaos" + random.nextInt(CHANNELS));
        channels.add("chaos" + random.nextInt(CHANNELS));
        try (Statement s = c.createStatement()) {
            for (String channel : channels) {
                s.execute("listen " + channel);
            }
        }
        Map<String, Integer> last = new HashMap<>();
        PGConnection pg = c.unwrap(PGConnection.class);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(random.nextInt(200, 800));
        while (System.nanoTime() < end) {
            if (random.nextInt(4) == 0) {
                // Notifications are held while the client is inside a transaction, and come after it.
                c.setAutoCommit(false);
                expect(c, "select 1", 1, what);
                c.commit();
                c.setAutoCommit(true);
            }
            PGNotification[] got = pg.getNotifications(20);
            for (PGNotification n : got == null ? new PGNotification[0] : got) {
                check(what, channels, last, n);
            }
        }
    }

    /** Each channel's numbers come one after the other once the first is seen, and only for channels listened to. */
    private void check(String what, Set<String> channels, Map<String, Integer> last, PGNotification n) {
        if (!channels.contains(n.getName())) {
            throw new AssertionError(what + " listens to " + channels + " but got " + n.getName() + " " + n.getParameter());
        }
        int number = Integer.parseInt(n.getParameter());
        Integer previous = last.put(n.getName(), number);
        if (previous != null && number != previous + 1) {
            throw new AssertionError(what + ": on " + n.getName() + ", " + number + " came after " + previous);
        }
        delivered.incrementAndGet();
    }
}
