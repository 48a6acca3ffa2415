package io.pooler.server.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SHOW ADVICE end to end: a transaction pool of 2 under 20 PgJDBC threads each running a 20 ms
 * transaction every 100 ms or so is advised to grow; the suggested pool_size, applied with RELOAD, brings the p99 wait
 * of SHOW POOLS down. (Whether a second round of advice follows depends on how starved of CPU the
 * client threads are, which this shared machine does not let a test control.)
 */
@PoolerTest
class ShowAdviceTest {
    private static final int THREADS = 20;
    private static final int UNDERSIZED = 2;
    private static final long THINK_MILLIS = 80;
    /** Short periods, so the stats window (one to two periods) holds only the phase being measured. */
    private static final int STATS_PERIOD_SECONDS = 2;

    private final PoolerFixture pooler;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong transactions = new AtomicLong();
    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private final List<Thread> load = new ArrayList<>();

    ShowAdviceTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD)
                .set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction")
                .set("default_pool_size", String.valueOf(UNDERSIZED))
                .set("stats_period", String.valueOf(STATS_PERIOD_SECONDS))
                .set("max_client_conn", "100")
                .start();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        stop.set(true);
        for (Thread t : load) {
            t.join(30_000);
        }
    }

    @Test
    void undersizedPoolIsAdvisedToGrowAndTheAdviceCutsTheWait() throws Exception {
        for (int i = 0; i < THREADS; i++) {
            Thread t = new Thread(this::transactions, "advice-load-" + i);
            t.start();
            load.add(t);
        }
        // Every client logged in and running (SCRAM logins take a while on a busy machine), then two
        // periods of load: the window then holds nothing from before the load.
        long running = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (transactions.get() < 2 * THREADS && System.nanoTime() < running) {
            Thread.sleep(50); // the poll of the deadline loop above
        }
        // Deliberate time: two stats periods of load, so the window holds nothing from before it.
        Thread.sleep(TimeUnit.SECONDS.toMillis(2L * STATS_PERIOD_SECONDS + 1));
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            Map<String, String> advice = awaitRow(admin, "default_pool_size", 20);
            int suggested = Integer.parseInt(advice.get("suggested_value"));
            long p99Before = p99Wait(admin);
            assertEquals(String.valueOf(UNDERSIZED), advice.get("current_value"));
            assertTrue(suggested > UNDERSIZED, advice.toString());
            assertTrue(advice.get("reason").contains("Little's law"), advice.toString());
            assertTrue(p99Before > 20_000, "an undersized pool makes clients wait: p99 " + p99Before + " us");

            pooler.set("default_pool_size", String.valueOf(suggested)).writeFiles();
            AdminRows.rows(admin, "RELOAD");
            // Two periods later the window holds only what happened since.
            long afterReload = transactions.get();
            Thread.sleep(TimeUnit.SECONDS.toMillis(2L * STATS_PERIOD_SECONDS + 1)); // deliberate time, as above
            long p99After = awaitP99Below(admin, p99Before / 2, 20);
            assertTrue(transactions.get() > afterReload, "the load kept running");
            assertTrue(p99After < p99Before / 2, "p99 wait " + p99Before + " us before, " + p99After + " us after");
            // The figures, for whoever reads the test report.
            System.out.println("SHOW ADVICE before: " + advice + "; p99 wait " + p99Before + " us before, " + p99After + " us after");
        }
        stop.set(true);
        for (Thread t : load) {
            t.join(30_000);
        }
        assertEquals(List.of(), List.copyOf(errors));
    }

    /**
     * One client: a 20 ms transaction, then 80 ms of its own work, until told to stop; at most 60 s
     * and 3,000 transactions. The pause keeps the load at about 6 busy servers once the pool is big
     * enough, so the machine's two cores, not the pool, do not become what the clients wait for.
     */
    private void transactions() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (int i = 0; i < 3_000 && !stop.get() && System.nanoTime() < deadline; i++) {
                    s.execute("SELECT pg_sleep(0.02)");
                    c.commit();
                    transactions.incrementAndGet();
                    Thread.sleep(THINK_MILLIS); // the clients' think time, part of the load
                }
            }
        } catch (Throwable e) {
            errors.add(e);
        }
    }

    private Map<String, String> awaitRow(Connection admin, String setting, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Map<String, String>> rows = List.of();
        while (System.nanoTime() < deadline) {
            rows = ourRows(admin);
            for (Map<String, String> row : rows) {
                if (setting.equals(row.get("setting"))) {
                    return row;
                }
            }
            Thread.sleep(250); // the poll of a deadline loop (SHOW ADVICE and p99 move only once per stats period)
        }
        throw new AssertionError("no " + setting + " advice within " + seconds + " s: " + rows);
    }

    private static List<Map<String, String>> ourRows(Connection admin) throws SQLException {
        return AdminRows.rows(admin, "SHOW ADVICE").stream()
                .filter(r -> r.get("database").equals(DB) && r.get("user").equals(SCRAM_USER)).toList();
    }

    private long awaitP99Below(Connection admin, long bound, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long p99 = p99Wait(admin);
        while (p99 >= bound && System.nanoTime() < deadline) {
            Thread.sleep(250); // the poll of a deadline loop (SHOW ADVICE and p99 move only once per stats period)
            p99 = p99Wait(admin);
        }
        return p99;
    }

    private static long p99Wait(Connection admin) throws SQLException {
        return Long.parseLong(AdminRows.pool(admin, DB, SCRAM_USER).get("p99_wait_time"));
    }
}
