package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, bug 3: a PostgreSQL restart under load must cost the pooler's clients no more error time
 * than the same load talking to PostgreSQL directly. "The database system is shutting down" and "is
 * starting up" (57P03) and admin shutdown (57P01, 57P02) are transient: a server login that meets them
 * is retried while the client waits, and the error is never replayed once PostgreSQL is back.
 */
@PoolerTest
class RestartErrorTimeTest {
    private static final int CLIENTS = 4;
    /** Load after the restart returned: long enough for a replayed error to show. */
    private static final long AFTER_RESTART_NANOS = TimeUnit.SECONDS.toNanos(3);
    /** Scheduling noise a loaded machine may add to one side's error time. */
    private static final long SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(300);

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    RestartErrorTimeTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        this.pg = pg;
        // PgBouncer's defaults for the retry and the wait: the fixture's short retry would hide a replay.
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("pool_mode", "transaction")
                .set("default_pool_size", String.valueOf(CLIENTS)).set("server_login_retry", "15")
                .set("query_wait_timeout", "120").start();
    }

    @Test
    void aRestartCostsNoMoreErrorTimeThanTalkingDirectly() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Loop> loops = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            loops.add(new Loop("pooler-" + i, pooler.jdbcUrl(DB), stop));
            loops.add(new Loop("direct-" + i, pg.jdbcUrl(DB), stop));
        }
        List<Thread> threads = new ArrayList<>();
        for (Loop loop : loops) {
            Thread t = new Thread(loop, loop.name);
            t.start();
            threads.add(t);
        }
        try {
            Await.until(Duration.ofSeconds(30), () -> loops.stream().allMatch(l -> l.successes >= 20),
                    () -> "every loop connected and querying before the restart");
            pg.restart();
            long back = System.nanoTime();
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(AFTER_RESTART_NANOS));
            stop.set(true);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(40));
            }
            long pooled = 0;
            long direct = 0;
            List<String> lateErrors = new ArrayList<>();
            for (Loop loop : loops) {
                assertTrue(loop.successes > 0, loop.name + " never ran a query");
                if (loop.name.startsWith("pooler")) {
                    pooled += loop.errorNanos;
                    // Once PostgreSQL accepts connections again, no client is told of its restart from a
                    // remembered login failure (57P03, or a refusal the pooler cached).
                    loop.errors.stream().filter(e -> e.atNanos > back + TimeUnit.MILLISECONDS.toNanos(200))
                            .filter(e -> e.message.startsWith("57P03") || e.message.startsWith("08"))
                            .forEach(e -> lateErrors.add(loop.name + ": " + e.message));
                } else {
                    direct += loop.errorNanos;
                }
            }
            String figures = String.format("error time over %d clients: pooler %d ms, direct %d ms; %d late errors %s",
                    CLIENTS, pooled / 1_000_000, direct / 1_000_000, lateErrors.size(),
                    lateErrors.stream().distinct().limit(3).toList());
            System.out.println(figures);
            assertTrue(lateErrors.isEmpty(), figures);
            // The restart's own length varies from run to run on a shared machine (4.6 to 8.8 s of direct
            // error time over 4 clients were seen), hence a quarter on top of the fixed slack.
            assertTrue(pooled <= direct + direct / 4 + SLACK_NANOS * CLIENTS, figures);
        } finally {
            stop.set(true);
            pg.start();
        }
    }

    private record Failure(long atNanos, String message) {
    }

    /**
     * One client: a query at a time on its connection; after an error the connection is dropped and a
     * new one opened 10 ms later, as a pool in an application would. Error time runs from an error to
     * the next success.
     */
    private static final class Loop implements Runnable {
        final String name;
        final String url;
        final AtomicBoolean stop;
        final ConcurrentLinkedQueue<Failure> errors = new ConcurrentLinkedQueue<>();
        volatile long errorNanos;
        volatile int successes;

        Loop(String name, String url, AtomicBoolean stop) {
            this.name = name;
            this.url = url;
            this.stop = stop;
        }

        @Override
        public void run() {
            Properties p = new Properties();
            p.setProperty("user", SCRAM_USER);
            p.setProperty("password", SCRAM_PASSWORD);
            p.setProperty("preferQueryMode", "simple");
            p.setProperty("connectTimeout", "10");
            p.setProperty("socketTimeout", "30");
            Connection c = null;
            long errorSince = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!stop.get() && System.nanoTime() < deadline) {
                try {
                    if (c == null) {
                        c = DriverManager.getConnection(url, p);
                    }
                    try (Statement s = c.createStatement()) {
                        s.execute("select 1");
                    }
                    successes++;
                    if (errorSince != 0) {
                        errorNanos += System.nanoTime() - errorSince;
                        errorSince = 0;
                    }
                } catch (SQLException e) {
                    long now = System.nanoTime();
                    errors.add(new Failure(now, e.getSQLState() + " " + e.getMessage()));
                    if (errorSince == 0) {
                        errorSince = now;
                    }
                    closeQuietly(c);
                    c = null;
                    sleep(10);
                }
            }
            if (errorSince != 0) {
                errorNanos += System.nanoTime() - errorSince;
            }
            closeQuietly(c);
        }

        private static void closeQuietly(Connection c) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (SQLException ignored) {
                // the connection is gone either way
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
