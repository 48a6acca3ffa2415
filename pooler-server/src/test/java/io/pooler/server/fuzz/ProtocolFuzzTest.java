package io.pooler.server.fuzz;

import ch.qos.logback.classic.Level;
import io.pooler.server.it.PoolerFixture;
import io.pooler.testing.NettyLogWatch;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static io.pooler.server.fuzz.FuzzDatabase.APP_PASSWORD;
import static io.pooler.server.fuzz.FuzzDatabase.APP_USER;
import static io.pooler.server.fuzz.FuzzDatabase.DB;
import static io.pooler.server.fuzz.FuzzDatabase.MD5_PASSWORD;
import static io.pooler.server.fuzz.FuzzDatabase.MD5_USER;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The protocol fuzzer: thousands of hostile connections against two in-process poolers in front of the
 * real PostgreSQL and a scripted hostile server, with well-behaved PgJDBC clients running beside them.
 * Client to pooler before, during and after login (session, transaction, statement, and transaction with
 * prepared statements tracked); server to pooler through {@link HostileServer}. Inputs are mutated real
 * psql and PgJDBC sessions ({@link SessionCorpus}), damaged startup packets, misused SSL, GSSENC and
 * cancel requests, SCRAM, md5 and cleartext abuse, extreme lengths and unknown types.
 *
 * <p>Each case must get well-formed messages, an ErrorResponse with a SQLSTATE before any close the
 * pooler makes, and no hang ({@link CaseRunner}). At the end: checker clients got exactly their own
 * results and no error, no exception reached a pipeline's tail, no buffer was released twice or leaked,
 * SHOW LISTS and SHOW POOLS are back where they started, {@code pwned} is empty, and PostgreSQL's log has
 * no statement from a client that never authenticated.
 *
 * <p>Bounded: {@value #DEFAULT_TRIES} cases or {@value #DEFAULT_SECONDS} s, whichever comes first. Longer:
 * {@code mvn -pl pooler-server -am test -Dtest=ProtocolFuzzTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dfuzz.tries=200000}; replay one case with {@code -Dfuzz.seed=<seed> -Dfuzz.case=<n>} (both printed).
 */
@ExtendWith(PostgresExtension.class)
class ProtocolFuzzTest {
    static final int DEFAULT_TRIES = 3000;
    static final int DEFAULT_SECONDS = 90;
    private static final int TRIES = Integer.getInteger("fuzz.tries", DEFAULT_TRIES);
    /** With a longer run asked for, the time limit goes unless given too. */
    private static final Duration TIME_LIMIT = Duration.ofSeconds(Long.getLong("fuzz.seconds",
            System.getProperty("fuzz.tries") == null ? DEFAULT_SECONDS : 24 * 3600));
    /**
     * The same cases on every `mvn verify`, so the build is repeatable; `-Dfuzz.seed=random` (the long
     * run) explores new ones.
     */
    private static final long SEED = "random".equals(System.getProperty("fuzz.seed"))
            ? new SecureRandom().nextLong() : Long.getLong("fuzz.seed", 20261203L);
    private static final long ONLY_CASE = Long.getLong("fuzz.case", -1);
    private static final int WORKERS = Integer.getInteger("fuzz.workers", 4);
    /** {@code -Dfuzz.phases=AFTER_LOGIN,SERVER_REPLY} runs only those phases' cases. */
    private static final java.util.Set<FuzzCase.Phase> PHASES = java.util.Arrays.stream(
                    System.getProperty("fuzz.phases", "BEFORE_LOGIN,DURING_LOGIN,AFTER_LOGIN,SERVER_REPLY").split(","))
            .map(String::strip).map(FuzzCase.Phase::valueOf).collect(Collectors.toCollection(() -> EnumSet.noneOf(FuzzCase.Phase.class)));
    private static final int REPORTED = 25;
    private static final String HBA = """
            host fz_plain all 127.0.0.1/32 password
            host fz_scram all 127.0.0.1/32 scram-sha-256
            host all all 127.0.0.1/32 md5
            """;

    private final PostgresInstance pg;
    private PoolerFixture poolerA;
    private PoolerFixture poolerB;
    private HostileServer hostile;
    private Level poolerLogLevel;

    ProtocolFuzzTest(PostgresInstance pg) throws SQLException {
        this.pg = pg;
        FuzzDatabase.ensure(pg);
    }

    @BeforeEach
    void setUp() throws Exception {
        FuzzDatabase.clearPwned(pg);
        hostile = new HostileServer(SEED, 15);
        String real = "host=" + pg.host() + " port=" + pg.port() + " dbname=" + DB;
        poolerA = pooler().set("max_prepared_statements", "0");
        poolerA.database("fz_session", real + " pool_mode=session")
                .database("fz_tx", real + " pool_mode=transaction")
                .database("fz_stmt", real + " pool_mode=statement")
                .database("fz_plain", real + " pool_mode=transaction")
                .database("fz_scram", real + " pool_mode=session")
                .database("fz_hostile", "host=127.0.0.1 port=" + hostile.port()
                        + " dbname=hostile user=hostile password=hostile-secret pool_mode=transaction pool_size=2");
        poolerB = pooler().set("max_prepared_statements", "100");
        poolerB.database("fz_txp", real + " pool_mode=transaction");
        // The fuzzer makes the pooler log thousands of refusals; NettyLogWatch sees every call whatever the level.
        ch.qos.logback.classic.Logger poolerLog = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.pooler");
        poolerLogLevel = poolerLog.getLevel();
        poolerLog.setLevel(Level.WARN);
        poolerA.start();
        poolerB.start();
    }

    private PoolerFixture pooler() throws Exception {
        PoolerFixture p = new PoolerFixture(pg);
        p.databases().remove("*");
        Files.writeString(p.dir().resolve("hba.conf"), HBA);
        return p.set("auth_type", "hba").set("auth_hba_file", p.dir().resolve("hba.conf").toString())
                .set("max_client_conn", "10000").set("default_pool_size", "3").set("admin_users", APP_USER)
                .set("query_wait_timeout", "30").set("log_connections", "0").set("log_disconnections", "0")
                .user(APP_USER, APP_PASSWORD).user(MD5_USER, "md5" + md5Hex(MD5_PASSWORD + MD5_USER));
    }

    @AfterEach
    void tearDown() throws Exception {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.pooler")).setLevel(poolerLogLevel);
        if (poolerA != null) {
            poolerA.close();
        }
        if (poolerB != null) {
            poolerB.close();
        }
        hostile.close();
    }

    @Test
    void hostileInputHurtsOnlyItsSender() throws Exception {
        String runId = Long.toUnsignedString(SEED, 36);
        FuzzCases.Markers markers = new FuzzCases.Markers(runId);
        FuzzCases cases = new FuzzCases(SEED, SessionCorpus.load(), targets(), markers, PHASES);
        CaseRunner runner = new CaseRunner(hostile, markers);
        ServerLogWatch serverLog = new ServerLogWatch(pg);
        NettyLogWatch watch = NettyLogWatch.install();
        watch.drain(EnumSet.of(NettyLogWatch.Kind.UNHANDLED)); // this test's own, from here on

        try (Connection adminA = poolerA.connectSimple("pgbouncer", APP_USER, APP_PASSWORD);
             Connection adminB = poolerB.connectSimple("pgbouncer", APP_USER, APP_PASSWORD)) {
            Counts before = Counts.of(adminA, adminB);
            Properties noNamedStatements = new Properties();
            noNamedStatements.setProperty("prepareThreshold", "0");
            Properties namedStatements = new Properties();
            namedStatements.setProperty("prepareThreshold", "1");
            CheckerClients transaction = new CheckerClients("chkT", () -> poolerA.connect("fz_tx", APP_USER, APP_PASSWORD,
                    noNamedStatements), 2, 5).start();
            CheckerClients session = new CheckerClients("chkS", () -> poolerA.connect("fz_session", APP_USER, APP_PASSWORD,
                    noNamedStatements), 1, 5).start();
            CheckerClients prepared = new CheckerClients("chkP", () -> poolerB.connect("fz_txp", APP_USER, APP_PASSWORD,
                    namedStatements), 2, 5).prepared().start();
            // The same asks as chkT's, on the raw protocol: an answer that is not PostgreSQL's is kept as it came.
            CheckerClients wire = CheckerClients.wire("chkW", poolerA.port(), "fz_tx", APP_USER, APP_PASSWORD, 2, 5).start();

            for (CheckerClients checkers : List.of(transaction, session, prepared, wire)) {
                checkers.awaitFirstAnswers(Duration.ofSeconds(60));
            }
            // With one worker, each case's double releases, unhandled exceptions and ghost slots are pinned on it.
            Attribution attribution = WORKERS == 1 || ONLY_CASE >= 0 ? new Attribution(watch, adminA, adminB) : null;
            Run run = ONLY_CASE >= 0 ? runOne(cases, runner, attribution) : runMany(cases, runner, attribution);

            transaction.close();
            session.close();
            prepared.close();
            wire.close();
            Counts after = Counts.awaitEqual(before, adminA, adminB, Duration.ofSeconds(30));
            String connectionsLeft = after.toString().equals(before.toString()) ? ""
                    : "\nA " + AdminCounts.connections(adminA) + "B " + AdminCounts.connections(adminB);
            long pwned = FuzzDatabase.pwnedRows(pg);
            List<String> unauthenticatedStatements = serverLog.linesContainingAfterFlush(markers.unauthenticatedPrefix());
            List<String> serverCrashes = serverLog.serverProcessCrashes();
            NettyLogWatch.reportPendingLeaks();
            List<NettyLogWatch.Event> nettyEvents = new ArrayList<>(attribution == null ? List.of() : attribution.seen);
            nettyEvents.addAll(watch.drain(EnumSet.allOf(NettyLogWatch.Kind.class)));
            Path failureFile = run.writeFailures();

            System.out.println(run.summary() + "\ncheckers: " + transaction.queries() + " transaction, " + session.queries()
                    + " session, " + prepared.queries() + " prepared, " + wire.queries() + " raw-protocol queries; hostile server: " + hostile.connections()
                    + " connections, " + hostile.hostileLogins() + " hostile logins");
            assertAll(
                    () -> assertEquals(List.of(), serverCrashes, "PostgreSQL's log: server processes that crashed"
                            + " (the postmaster then ended every session, so checker errors at that time follow from it)"),
                    () -> assertTrue(run.failures.isEmpty(), run.failures.size() + " failing cases (all in " + failureFile
                            + "); replay one with -Dfuzz.seed=" + SEED + " -Dfuzz.case=<n>:\n" + run.firstFailures()),
                    () -> assertEquals(List.of(), crossedOrFailed(transaction, session, prepared, wire),
                            "well-behaved clients got someone else's result or an error"),
                    () -> assertEquals(List.of(), describe(nettyEvents),
                            "exceptions at a pipeline's tail, double releases and leaks"),
                    () -> assertEquals(before.toString(), after.toString(), "SHOW LISTS and SHOW POOLS after the run"
                            + connectionsLeft),
                    () -> assertEquals(0, pwned, "rows unauthenticated clients inserted into pwned"),
                    () -> assertEquals(List.of(), unauthenticatedStatements,
                            "PostgreSQL's log: statements from clients that never authenticated"));
        }
    }

    private FuzzCases.Targets targets() {
        int a = poolerA.port();
        int b = poolerB.port();
        var before = List.of(
                target("A fz_session", a, "fz_session", APP_USER, APP_PASSWORD),
                target("A fz_tx md5 user", a, "fz_tx", MD5_USER, MD5_PASSWORD),
                target("A fz_scram", a, "fz_scram", APP_USER, APP_PASSWORD),
                target("A fz_plain", a, "fz_plain", APP_USER, APP_PASSWORD),
                target("A unknown database", a, "nosuchdb", APP_USER, APP_PASSWORD),
                target("A unknown user", a, "fz_tx", "nobody", "x"),
                target("B fz_txp", b, "fz_txp", APP_USER, APP_PASSWORD));
        var during = List.of(
                target("A SCRAM", a, "fz_scram", APP_USER, APP_PASSWORD),
                target("A SCRAM", a, "fz_scram", APP_USER, APP_PASSWORD),
                target("A SCRAM unknown user", a, "fz_scram", "nobody", "x"),
                target("A md5 (md5 secret)", a, "fz_tx", MD5_USER, MD5_PASSWORD),
                target("A md5 (plain secret)", a, "fz_session", APP_USER, APP_PASSWORD),
                target("A cleartext", a, "fz_plain", APP_USER, APP_PASSWORD),
                target("A cleartext unknown user", a, "fz_plain", "nobody", "x"),
                target("B md5", b, "fz_txp", APP_USER, APP_PASSWORD));
        var after = List.of(
                target("A session", a, "fz_session", APP_USER, APP_PASSWORD),
                target("A transaction", a, "fz_tx", APP_USER, APP_PASSWORD),
                target("A transaction md5 user", a, "fz_tx", MD5_USER, MD5_PASSWORD),
                target("A statement", a, "fz_stmt", APP_USER, APP_PASSWORD),
                target("B transaction, prepared statements tracked", b, "fz_txp", APP_USER, APP_PASSWORD));
        return new FuzzCases.Targets(before, during, after,
                target("A hostile server", a, "fz_hostile", APP_USER, APP_PASSWORD));
    }

    private static FuzzCase.Target target(String name, int port, String db, String user, String password) {
        return new FuzzCase.Target(name, port, db, user, password);
    }

    private Run runOne(FuzzCases cases, CaseRunner runner, Attribution attribution) throws Exception {
        Run run = new Run();
        CaseRunner.Result r = attribution.check(runner.run(cases.generate(ONLY_CASE)));
        System.out.println(r.report());
        run.record(r, 0);
        return run;
    }

    private Run runMany(FuzzCases cases, CaseRunner runner, Attribution attribution) throws InterruptedException {
        Run run = new Run();
        AtomicLong next = new AtomicLong();
        long end = System.nanoTime() + TIME_LIMIT.toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            Thread t = new Thread(() -> {
                for (long id = next.getAndIncrement(); id < TRIES && System.nanoTime() < end; id = next.getAndIncrement()) {
                    long started = System.nanoTime();
                    CaseRunner.Result r = runner.run(cases.generate(id));
                    if (attribution != null) {
                        r = attribution.check(r);
                    }
                    run.record(r, System.nanoTime() - started);
                }
            }, "fuzz-worker-" + w);
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) {
            t.join();
        }
        return run;
    }

    /**
     * With cases run one at a time: the buffer problems and unhandled exceptions logged during a case, and
     * client slots it left behind, become that case's problems. Slow (a SHOW LISTS per case), so only for
     * {@code -Dfuzz.workers=1} and {@code -Dfuzz.case}.
     */
    private static final class Attribution {
        private final NettyLogWatch watch;
        private final Connection adminA;
        private final Connection adminB;
        private Map<String, Long> baseA;
        private Map<String, Long> baseB;
        final List<NettyLogWatch.Event> seen = new ArrayList<>();

        Attribution(NettyLogWatch watch, Connection adminA, Connection adminB) throws SQLException {
            this.watch = watch;
            this.adminA = adminA;
            this.adminB = adminB;
            this.baseA = Counts.clientLists(adminA);
            this.baseB = Counts.clientLists(adminB);
        }

        CaseRunner.Result check(CaseRunner.Result r) {
            List<String> extra = new ArrayList<>();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                Map<String, Long> a = Counts.clientLists(adminA);
                Map<String, Long> b = Counts.clientLists(adminB);
                while ((!a.equals(baseA) || !b.equals(baseB)) && System.nanoTime() < deadline) {
                    Thread.sleep(20); // the poll of a deadline loop whose caller asserts what it last saw
                    a = Counts.clientLists(adminA);
                    b = Counts.clientLists(adminB);
                }
                if (!a.equals(baseA) || !b.equals(baseB)) {
                    extra.add("client slots left behind: A " + a + " (was " + baseA + "), B " + b + " (was " + baseB + ")");
                    baseA = a;
                    baseB = b;
                }
            } catch (SQLException | InterruptedException e) {
                extra.add("could not read SHOW LISTS: " + e);
            }
            for (NettyLogWatch.Event e : watch.drain(EnumSet.of(NettyLogWatch.Kind.REFERENCE_COUNT,
                    NettyLogWatch.Kind.UNHANDLED, NettyLogWatch.Kind.LEAK))) {
                seen.add(e);
                String text = e.message();
                extra.add(e.kind() + ": " + (text.length() > 300 ? text.substring(0, 300) + "..." : text));
            }
            if (extra.isEmpty()) {
                return r;
            }
            List<String> problems = new ArrayList<>(r.problems());
            problems.addAll(extra);
            return new CaseRunner.Result(r.fuzzCase(), r.sent(), problems, r.received());
        }
    }

    private static List<String> crossedOrFailed(CheckerClients... groups) {
        List<String> all = new ArrayList<>();
        for (CheckerClients g : groups) {
            g.crossedResults().forEach(c -> all.add("crossed: " + c));
            g.errors().forEach(e -> all.add("error: " + e));
        }
        return all;
    }

    private static List<String> describe(List<NettyLogWatch.Event> events) {
        return events.stream().map(NettyLogWatch.Event::toString).limit(30).collect(Collectors.toList());
    }

    private static String md5Hex(String s) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** The cases of one run: how many of each phase, which failed, how long they took. */
    private static final class Run {
        private final long started = System.nanoTime();
        private final AtomicInteger cases = new AtomicInteger();
        private final Map<FuzzCase.Phase, AtomicInteger> perPhase = new EnumMap<>(FuzzCase.Phase.class);
        private final Map<FuzzCase.Phase, AtomicInteger> failedPerPhase = new EnumMap<>(FuzzCase.Phase.class);
        private final AtomicLong slowest = new AtomicLong();
        final ConcurrentLinkedQueue<CaseRunner.Result> failures = new ConcurrentLinkedQueue<>();

        Run() {
            for (FuzzCase.Phase p : FuzzCase.Phase.values()) {
                perPhase.put(p, new AtomicInteger());
                failedPerPhase.put(p, new AtomicInteger());
            }
        }

        void record(CaseRunner.Result r, long nanos) {
            cases.incrementAndGet();
            perPhase.get(r.fuzzCase().phase()).incrementAndGet();
            slowest.accumulateAndGet(nanos, Math::max);
            if (!r.passed()) {
                failedPerPhase.get(r.fuzzCase().phase()).incrementAndGet();
                failures.add(r);
            }
        }

        String summary() {
            return String.format("ProtocolFuzzTest seed %d (-Dfuzz.seed=%d): %d cases in %.1f s with %d workers,"
                            + " slowest %d ms; per phase %s; failed %s", SEED, SEED, cases.get(),
                    (System.nanoTime() - started) / 1e9, WORKERS, slowest.get() / 1_000_000, perPhase, failedPerPhase);
        }

        String firstFailures() {
            return failures.stream().sorted(java.util.Comparator.comparingLong(r -> r.fuzzCase().id())).limit(REPORTED)
                    .map(CaseRunner.Result::report).collect(Collectors.joining("\n\n"));
        }

        Path writeFailures() throws java.io.IOException {
            Path file = Path.of("target", "fuzz-failures-" + Long.toUnsignedString(SEED, 36) + ".txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, summary() + "\n\n" + failures.stream()
                    .sorted(java.util.Comparator.comparingLong(r -> r.fuzzCase().id()))
                    .map(CaseRunner.Result::report).collect(Collectors.joining("\n\n")));
            return file.toAbsolutePath();
        }
    }

    /** SHOW LISTS' client counts and SHOW POOLS' busy counts of both poolers. */
    private record Counts(Map<String, Long> listsA, Map<String, Long> listsB, Map<String, Map<String, Long>> poolsA,
                          Map<String, Map<String, Long>> poolsB) {

        static Counts of(Connection adminA, Connection adminB) throws SQLException {
            return new Counts(clientLists(adminA), clientLists(adminB), AdminCounts.busyPools(adminA),
                    AdminCounts.busyPools(adminB));
        }

        static Map<String, Long> clientLists(Connection admin) throws SQLException {
            Map<String, Long> lists = AdminCounts.lists(admin);
            return Map.of("used_clients", lists.get("used_clients"), "login_clients", lists.get("login_clients"));
        }

        /** Waits until the counts are back; pools that did not exist before must be idle. */
        static Counts awaitEqual(Counts before, Connection adminA, Connection adminB, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            Counts now = of(adminA, adminB).comparedWith(before);
            while (!now.toString().equals(before.toString()) && System.nanoTime() < deadline) {
                Thread.sleep(200); // the poll of a deadline loop whose caller asserts what it last saw
                now = of(adminA, adminB).comparedWith(before);
            }
            return now;
        }

        /** Drops pools absent before whose counts are all zero, so only a change shows. */
        Counts comparedWith(Counts before) {
            return new Counts(listsA, listsB, onlyChanged(poolsA, before.poolsA), onlyChanged(poolsB, before.poolsB));
        }

        private static Map<String, Map<String, Long>> onlyChanged(Map<String, Map<String, Long>> now,
                                                                    Map<String, Map<String, Long>> before) {
            Map<String, Map<String, Long>> kept = new java.util.TreeMap<>();
            now.forEach((pool, counts) -> {
                boolean idle = counts.values().stream().allMatch(v -> v == 0);
                if (before.containsKey(pool) || !idle) {
                    kept.put(pool, counts);
                }
            });
            return kept;
        }

        @Override
        public String toString() {
            return "A lists " + new java.util.TreeMap<>(listsA) + ", B lists " + new java.util.TreeMap<>(listsB)
                    + ", A pools " + poolsA + ", B pools " + poolsB;
        }
    }
}
