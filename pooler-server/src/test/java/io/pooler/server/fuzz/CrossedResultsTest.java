package io.pooler.server.fuzz;

import io.pooler.server.it.PoolerFixture;
import io.pooler.server.it.PoolerTest;
import io.pooler.server.it.Wire;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import static io.pooler.server.fuzz.FuzzDatabase.APP_PASSWORD;
import static io.pooler.server.fuzz.FuzzDatabase.APP_USER;
import static io.pooler.server.fuzz.FuzzDatabase.DB;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9's trigger: clients that never authenticate send a malformed or unexpected message during
 * login, while well-behaved clients run queries through a small transaction pool. The hostile input
 * may hurt only its sender: no other client gets a result that is not its own, nothing the attackers
 * sent runs on PostgreSQL, and no client slot is left behind once everyone has gone.
 */
@PoolerTest
class CrossedResultsTest {
    /** At least this long and this many attacks, unless a loaded machine makes that take longer than the limit. */
    private static final Duration ATTACK_TIME = Duration.ofSeconds(3);
    private static final int MIN_ATTACKS = 400;
    private static final Duration ATTACK_TIME_LIMIT = Duration.ofSeconds(20);
    private static final int ATTACKERS = 4;
    private static final int CHECKERS = 4;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(3);

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    CrossedResultsTest(PoolerFixture pooler, PostgresInstance pg) throws Exception {
        this.pg = pg;
        FuzzDatabase.ensure(pg);
        FuzzDatabase.clearPwned(pg);
        this.pooler = pooler.user(APP_USER, APP_PASSWORD)
                .set("pool_mode", "transaction").set("default_pool_size", "2")
                .set("admin_users", APP_USER).set("max_client_conn", "2000").start();
    }

    /** The minimal trigger: a SASLInitialResponse with a partial message behind it, then close. */
    static byte[] saslInitialResponseWithPartialMessageBehind() {
        byte[] initial = Wire.saslInitialResponse("SCRAM-SHA-256",
                "p=tls-server-end-point,,n=,r=abcdefghijklmnop".getBytes(StandardCharsets.US_ASCII));
        return Wire.concat(initial, Wire.hex("70 00 00 00 10 61 62"));
    }

    @Test
    void loginGarbageFromUnauthenticatedClientsHurtsNobodyElse() throws Exception {
        String marker = "unauth-" + UUID.randomUUID();
        ServerLogWatch serverLog = new ServerLogWatch(pg);
        try (Connection admin = pooler.connectSimple("pgbouncer", APP_USER, APP_PASSWORD)) {
            Map<String, Long> listsBefore = AdminCounts.lists(admin);

            Properties transactionSafe = new Properties();
            transactionSafe.setProperty("prepareThreshold", "0"); // no named statements without max_prepared_statements
            CheckerClients checkers = new CheckerClients("chk", () -> pooler.connect(DB, APP_USER, APP_PASSWORD,
                    transactionSafe), CHECKERS, 0).start();
            Attackers attackers = new Attackers(marker);
            attackers.runFor(ATTACK_TIME, MIN_ATTACKS, ATTACK_TIME_LIMIT);
            checkers.close();

            long pwned = FuzzDatabase.pwnedRows(pg);
            List<String> loggedMarkers = serverLog.linesContainingAfterFlush(marker);
            Map<String, Long> listsAfter = awaitLists(admin, listsBefore, Duration.ofSeconds(10));
            System.out.printf("CrossedResultsTest: %d attacks, %d checker queries%n", attackers.attacks.get(), checkers.queries());
            assertTrue(checkers.queries() > 0, "the checkers ran no query");
            assertTrue(attackers.attacks.get() > 0, "no attack ran");
            assertAll(
                    () -> assertEquals(List.of(), checkers.crossedResults(), "answers that were not the asker's own"),
                    () -> assertEquals(List.of(), checkers.errors(), "well-behaved clients that suffered"),
                    () -> assertEquals(0, pwned, "rows unauthenticated clients inserted into pwned"),
                    () -> assertEquals(List.of(), loggedMarkers, "statements of unauthenticated clients PostgreSQL ran"),
                    () -> assertEquals(listsBefore.get("used_clients"), listsAfter.get("used_clients"),
                            "SHOW LISTS used_clients once every attacker and checker is gone: " + listsAfter),
                    () -> assertEquals(listsBefore.get("login_clients"), listsAfter.get("login_clients"),
                            "SHOW LISTS login_clients once every attacker and checker is gone: " + listsAfter),
                    () -> assertEquals(List.of(), attackers.unanswered(),
                            "attackers refused without an ErrorResponse carrying a SQLSTATE"));
        }
    }

    private static Map<String, Long> awaitLists(Connection admin, Map<String, Long> expected, Duration timeout)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Long> now = AdminCounts.lists(admin);
        while (System.nanoTime() < deadline && !(now.get("used_clients").equals(expected.get("used_clients"))
                && now.get("login_clients").equals(expected.get("login_clients")))) {
            Thread.sleep(100); // the poll of a deadline loop; the assertAll above reports what it last saw
            now = AdminCounts.lists(admin);
        }
        return now;
    }

    /** Clients that log in without ever authenticating, each sending one of the messages. */
    private final class Attackers {
        private final String marker;
        private final AtomicLong attacks = new AtomicLong();
        private final ConcurrentLinkedQueue<String> unanswered = new ConcurrentLinkedQueue<>();

        Attackers(String marker) {
            this.marker = marker;
        }

        void runFor(Duration time, int minAttacks, Duration limit) throws InterruptedException {
            long start = System.nanoTime();
            long end = start + time.toNanos();
            long hardEnd = start + limit.toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < ATTACKERS; i++) {
                int kind = i;
                Thread t = new Thread(() -> {
                    for (int n = 0; System.nanoTime() < hardEnd
                            && (System.nanoTime() < end || attacks.get() < minAttacks); n++) {
                        attackOnce((kind + n) % 4, n);
                        attacks.incrementAndGet();
                    }
                }, "attacker-" + i);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
        }

        private void attackOnce(int kind, int n) {
            try (WireClient c = WireClient.connect(pooler.port())) {
                c.send(Wire.startup(APP_USER, DB));
                WireClient.Frame sasl = c.read(READ_TIMEOUT);
                if (sasl == null || sasl.authCode() != 10) {
                    keep("expected AuthenticationSASL, got " + sasl);
                    return;
                }
                switch (kind) {
                    case 0 -> c.send(saslInitialResponseWithPartialMessageBehind()); // and close at once
                    case 1 -> expectRefusal(c, "a Query for a password", Wire.query("insert into pwned values(1)"));
                    case 2 -> expectRefusal(c, "a Query for a password",
                            Wire.query("select '" + marker + "-" + n + "'"));
                    default -> expectRefusal(c, "a SASLInitialResponse with a Query behind it", Wire.concat(
                            Wire.saslInitialResponse("SCRAM-SHA-256", "n,,n=,r=abcdefghijklmnop".getBytes(StandardCharsets.US_ASCII)),
                            Wire.query("select '" + marker + "-q" + n + "'")));
                }
            } catch (IOException e) {
                // A reset while the pooler closes is fine for the attacker; what matters is everyone else.
            }
        }

        private void expectRefusal(WireClient c, String what, byte[] bytes) throws IOException {
            c.send(bytes);
            List<WireClient.Frame> frames = new ArrayList<>();
            try {
                for (WireClient.Frame f = c.read(READ_TIMEOUT); f != null; f = c.read(READ_TIMEOUT)) {
                    frames.add(f);
                }
            } catch (java.net.SocketTimeoutException e) {
                keep(what + ": got " + frames + " and then nothing for " + READ_TIMEOUT.toSeconds() + " s");
                return;
            }
            boolean refused = frames.stream().anyMatch(f -> f.isError() && f.field('C') != null && f.field('C').length() == 5);
            if (!refused) {
                keep(what + ": got " + frames + " then end of stream");
            }
        }

        private void keep(String problem) {
            if (unanswered.size() < 20) {
                unanswered.add(problem);
            }
        }

        List<String> unanswered() {
            return List.copyOf(unanswered);
        }
    }
}
