package io.pooler.bench.compare;

import io.pooler.bench.load.Credentials;
import io.pooler.testing.Postgres;
import io.pooler.testing.PostgresInstance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The side-by-side comparison: one throwaway PostgreSQL; PostgreSQL alone, PgBouncer and Pooler in
 * front of it with the same pool sizes and the same SCRAM authentication; every scenario run against
 * every target in repeated rounds, the targets' order rotating from round to round so that drift of
 * the machine hits them all alike.
 */
public final class Comparison {
    static final String DATABASE = "bench";
    static final String USER = "bench";
    static final String PASSWORD = "bench";
    /** Connections PostgreSQL keeps beyond what the scenarios need: the comparison's own, autovacuum's. */
    private static final int SPARE_CONNECTIONS = 20;
    /** Enough to hold scale 10 (about 150 MB) in memory; the test fixture's 32 MB would measure the page cache. */
    private static final String SHARED_BUFFERS = "256MB";
    /** File descriptors the bench needs beyond one per client. */
    private static final int SPARE_FILES = 1000;

    private final ComparisonOptions options;
    private final PrintStream out;

    private Comparison(ComparisonOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Runs the comparison against a throwaway PostgreSQL of its own, stopped at the end. */
    public static ComparisonReport run(ComparisonOptions options, PrintStream out) throws Exception {
        out.println("Starting a throwaway PostgreSQL...");
        PostgresInstance pg = Postgres.startThrowaway(0);
        try {
            return run(options, pg, out);
        } finally {
            pg.stop();
        }
    }

    /** Runs the comparison against {@code pg}, which it may reconfigure and restart. */
    public static ComparisonReport run(ComparisonOptions options, PostgresInstance pg, PrintStream out) throws Exception {
        return new Comparison(options, out).run(pg);
    }

    private ComparisonReport run(PostgresInstance pg) throws Exception {
        checkFileLimit();
        Files.createDirectories(options.workDir());
        prepare(pg);
        String pgVersion = serverVersion(pg);
        List<Target> targets = targets(pg, pgVersion);
        Map<String, String> software = new LinkedHashMap<>();
        software.put("PostgreSQL", pgVersion + " (throwaway, max_connections and shared_buffers raised)");
        for (Target t : targets) {
            software.put(t.key(), t.name() + (t instanceof PoolerTarget p ? ", " + p.launchDescription() : ""));
        }
        software.put("pgbench", options.pgbench().map(Path::toString).orElse("not installed: the bench client runs every scenario"));
        software.put("runs", options.rounds() + " rounds of " + options.duration().toSeconds() + " s per scenario and target, after "
                + options.warmup().toSeconds() + " s of warm-up (Pooler's repeated while its JIT compiler threads took over "
                + Math.round(SETTLED_COMPILER_SHARE * 100) + "% of its CPU, up to " + MAX_WARMUP_RUNS + " runs); pgbench scale "
                + options.scale());
        Map<String, String> machine = MachineInfo.describe(software);
        out.print(MachineInfo.render(machine));

        Credentials credentials = new Credentials(USER, PASSWORD);
        Driver bench = new NettyDriver(DATABASE, credentials, options.scale());
        Driver pgbench = options.pgbench()
                .<Driver>map(p -> new PgbenchDriver(p, DATABASE, USER, PASSWORD, options.workDir()))
                .orElse(bench);
        List<RoundResult> results = new ArrayList<>();
        try {
            for (Scenario scenario : options.scenarios()) {
                Driver driver = scenario.pgbench() ? pgbench : bench;
                vacuum(pg);
                results.addAll(runScenario(scenario, targets, driver));
            }
        } finally {
            targets.forEach(Target::stop);
        }

        List<Summary> summaries = Summary.of(results);
        List<TargetCheck> checks = TargetCheck.evaluate(results, "pooler", "pgbouncer");
        List<TargetCheck> ioUringChecks = TargetCheck.evaluate(results, IO_URING, "pgbouncer");
        List<TargetCheck> epollChecks = TargetCheck.evaluate(results, EPOLL, "pgbouncer");
        String table = ResultTable.render(summaries);
        String report = "## Machine\n\n" + MachineInfo.render(machine) + "\n## Results\n\n" + table
                + (checks.isEmpty() ? "" : "\n## Targets (Pooler against " + nameOf(targets, "pgbouncer") + ")\n\n"
                + TargetCheck.render(checks))
                + (ioUringChecks.isEmpty() ? "" : "\n## Targets (Pooler on io_uring against " + nameOf(targets, "pgbouncer")
                + ")\n\n" + TargetCheck.render(ioUringChecks))
                + (epollChecks.isEmpty() ? "" : "\n## Targets (Pooler on epoll against " + nameOf(targets, "pgbouncer")
                + ")\n\n" + TargetCheck.render(epollChecks))
                + PinningCost.render(summaries)
                + errorsSection(summaries);
        ResultsFiles.write(options.outDir(), results, summaries);
        Files.writeString(options.outDir().resolve("results.md"), report);
        Path plot = null;
        try {
            plot = Plotter.write(options.outDir(), summaries, Runtime.getRuntime().availableProcessors() + " cores");
        } catch (Exception | Error e) {
            // The numbers matter more than the picture: without fonts (a bare container) java.awt cannot draw.
            out.println("Could not draw the plot: " + e);
        }
        out.println();
        out.print(report);
        out.println();
        out.println("Results: " + options.outDir().toAbsolutePath() + (plot != null ? " (plot " + plot.getFileName() + ")" : ""));
        out.println("Configs and logs: " + options.workDir().toAbsolutePath());
        return new ComparisonReport(results, summaries, checks, machine, report);
    }

    private List<RoundResult> runScenario(Scenario scenario, List<Target> all, Driver driver) throws Exception {
        List<Target> targets = all.stream().filter(t -> t.supports(scenario)).toList();
        out.printf(Locale.ROOT, "%nScenario %s: %s (%s)%n", scenario.label(), scenario.title(), driver.name());
        // A process that has held 10,000 clients keeps the memory for them (PgBouncer's slabs, the JVM's
        // heap), so the next round would see no growth: where memory is measured, every round gets a
        // fresh process, warmed up again.
        boolean freshEachRound = scenario.memorySteps() > 0;
        try {
            if (!freshEachRound) {
                startAndWarmUp(scenario, targets, driver);
            }
            List<RoundResult> results = new ArrayList<>();
            for (int round = 1; round <= options.rounds(); round++) {
                for (Target t : roundOrder(targets, round)) {
                    if (freshEachRound) {
                        startAndWarmUp(scenario, List.of(t), driver);
                    }
                    Measurement m = measure(scenario, t, driver, options.duration());
                    results.add(new RoundResult(scenario, t.key(), t.name(), round, m));
                    out.printf(Locale.ROOT, "  round %d  %-28s %s%n", round, t.name(), brief(m));
                }
            }
            return results;
        } finally {
            for (Target t : targets) {
                if (t.pid().isPresent()) {
                    t.stop();
                }
            }
        }
    }

    private void startAndWarmUp(Scenario scenario, List<Target> targets, Driver driver) throws Exception {
        for (Target t : targets) {
            t.start(scenario);
        }
        if (options.warmup().isZero()) {
            return;
        }
        Scenario warmup = warmupOf(scenario);
        // A JIT compiles after a number of calls, not a time: a connection per transaction runs some fifty
        // times fewer transactions a second, so it warms up for longer to come near its steady state.
        Duration duration = scenario.connectPerTransaction() ? options.warmup().multipliedBy(3) : options.warmup();
        // Where every round gets a fresh process (memory is measured), one warm-up run: CPU is not the figure.
        Duration most = scenario.memorySteps() > 0 ? duration : options.warmup().multipliedBy(MAX_WARMUP_RUNS);
        for (Target t : targets) {
            Duration done = Duration.ZERO;
            Measurement m;
            do {
                m = measure(warmup, t, driver, duration);
                done = done.plus(duration);
                out.printf(Locale.ROOT, "  warm-up  %-28s %s%n", t.name(), brief(m));
            } while (stillCompiling(m) && done.plus(duration).compareTo(most) <= 0);
        }
    }

    /**
     * Warm-up runs for a JVM at most, counted in {@code --warmup}s: a JVM still compiling its hot code
     * when the rounds begin pays for it in the rounds (its JIT compiler threads used 40% of Pooler's CPU
     * in scenario 1's first round after one warm-up run of 10 s, 2026-12-05), which a daemon that runs
     * for weeks pays once.
     */
    public static final int MAX_WARMUP_RUNS = 6;
    /** A JVM whose compiler threads used less than this share of its CPU in a warm-up run is warm. */
    public static final double SETTLED_COMPILER_SHARE = 0.05;

    /** Another warm-up run is due: the JIT compiler's share was above {@link #SETTLED_COMPILER_SHARE}. */
    static boolean stillCompiling(Measurement m) {
        return m.compilerShare() > SETTLED_COMPILER_SHARE;
    }

    /** The targets in the order they run in {@code round} (from 1): rotated, so each goes first, second and last in turn. */
    static <T> List<T> roundOrder(List<T> targets, int round) {
        List<T> order = new ArrayList<>(targets.size());
        for (int i = 0; i < targets.size(); i++) {
            order.add(targets.get((i + round - 1) % targets.size()));
        }
        return order;
    }

    /**
     * The warm-up: the scenario itself, except that the 10,000-client one warms up with a tenth of its
     * clients, which exercises the same code without a second long ramp, and measures no memory.
     */
    static Scenario warmupOf(Scenario scenario) {
        if (scenario.memorySteps() == 0) {
            return scenario;
        }
        return scenario.scaledTo(Math.max(1, scenario.clients() / 10), scenario.poolSize(), scenario.ratePerSecond() / 10)
                .withMemorySteps(0);
    }

    private Measurement measure(Scenario scenario, Target target, Driver driver, Duration duration) {
        try {
            return driver.run(scenario, target, duration);
        } catch (Exception e) {
            String why = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (target instanceof ProcessTarget p && target.pid().isEmpty()) {
                why += "; " + p.logTail();
            }
            return Measurement.failed(driver.name(), why);
        }
    }

    private static String brief(Measurement m) {
        String line = String.format(Locale.ROOT, "%,10.0f tx/s  p50 %7.2f ms  p99 %8.2f ms  errors %d", m.tps(),
                Summary.percentileMillis(m.latencyMicros(), 50), Summary.percentileMillis(m.latencyMicros(), 99), m.errors());
        if (!Double.isNaN(m.cpuSecondsPer1000())) {
            line += String.format(Locale.ROOT, "  cpu %.3f s/1k tx", m.cpuSecondsPer1000());
            if (m.compilerShare() > 0) {
                line += String.format(Locale.ROOT, " (JIT compiler %.0f%%)", m.compilerShare() * 100);
            }
        }
        if (!Double.isNaN(m.memoryPerClientBytes())) {
            line += String.format(Locale.ROOT, "  %.2f KB/client (RSS %.0f MB with all clients)",
                    m.memoryPerClientBytes() / 1024, m.residentBytes() / (1024 * 1024));
        }
        if (m.errors() > 0 && !m.errorSamples().isEmpty()) {
            line += "  (" + m.errorSamples().get(0) + ")";
        }
        return line;
    }

    /** Pooler with -Dpooler.transport=io_uring: its default where the kernel allows it, named. */
    static final String IO_URING = "pooler-io-uring";
    /** Pooler with -Dpooler.transport=epoll: its fallback where io_uring is refused. */
    static final String EPOLL = "pooler-epoll";

    private List<Target> targets(PostgresInstance pg, String pgVersion) throws IOException, SQLException {
        ProcessTarget.Backend backend = new ProcessTarget.Backend(pg.host(), pg.port(), DATABASE, USER,
                pg.storedPassword(USER));
        List<Target> targets = new ArrayList<>();
        for (String key : options.targets()) {
            switch (key) {
                case "direct" -> targets.add(new DirectTarget(pg, pgVersion));
                case "pgbouncer" -> {
                    if (options.pgbouncer().isPresent()) {
                        targets.add(new PgBouncerTarget(options.workDir(), backend, options.pgbouncer().get(), key));
                    } else {
                        out.println("PgBouncer not found: compared without it. Install it with: apt-get install -y pgbouncer");
                    }
                }
                case "pgbouncer-latest" -> {
                    if (options.pgbouncerLatest().isPresent()) {
                        targets.add(new PgBouncerTarget(options.workDir(), backend, options.pgbouncerLatest().get(), key));
                    }
                }
                case "pooler" -> targets.add(options.targets().contains("pooler-nopin")
                        ? pinningVariant(backend, "pooler", 1)
                        : new PoolerTarget(options.workDir(), backend, options.poolerJar(), options.poolerLauncher(),
                                options.poolerJavaOptions(), options.poolerJfr(), options.poolerSettings()));
                case "pooler-nopin" -> targets.add(pinningVariant(backend, key, 0));
                case IO_URING -> targets.add(onTransport(backend, key, "io_uring"));
                case EPOLL -> targets.add(onTransport(backend, key, "epoll"));
                default -> throw new IllegalArgumentException("unknown target " + key);
            }
        }
        return targets;
    }

    /** Pooler on the transport named, beside the default one in the same run. */
    private PoolerTarget onTransport(ProcessTarget.Backend backend, String key, String transport) {
        List<String> javaOptions = new ArrayList<>(options.poolerJavaOptions());
        javaOptions.add("-Dpooler.transport=" + transport);
        return new PoolerTarget(options.workDir(), backend, options.poolerJar(), options.poolerLauncher(),
                javaOptions, options.poolerJfr(), options.poolerSettings(), key, " (" + transport + ")");
    }

    /**
     * Pooler with {@code pin_on_session_state} set: with 0 it does not scan queries for session state, so
     * the two alternating in one run show what the scan costs per query.
     */
    private PoolerTarget pinningVariant(ProcessTarget.Backend backend, String key, int pinOnSessionState) {
        List<String> settings = new ArrayList<>(options.poolerSettings());
        settings.add("pin_on_session_state=" + pinOnSessionState);
        return new PoolerTarget(options.workDir(), backend, options.poolerJar(), options.poolerLauncher(),
                options.poolerJavaOptions(), options.poolerJfr(), settings, key, " (pin_on_session_state=" + pinOnSessionState + ")");
    }

    /** A server big enough for the scenarios; the role, the database and pgbench's tables. */
    private void prepare(PostgresInstance pg) throws Exception {
        createRoleAndDatabase(pg);
        int needed = neededConnections();
        boolean restart;
        try (Connection c = pg.connectAsSuperuser(DATABASE); Statement st = c.createStatement()) {
            int connections = Integer.parseInt(setting(st, "max_connections"));
            String buffers = setting(st, "shared_buffers");
            restart = connections < needed || !buffers.equals(SHARED_BUFFERS);
            if (restart) {
                out.println("Restarting PostgreSQL with max_connections = " + Math.max(connections, needed)
                        + " (was " + connections + ") and shared_buffers = " + SHARED_BUFFERS + " (was " + buffers + ")");
                st.execute("ALTER SYSTEM SET max_connections = " + Math.max(connections, needed));
                st.execute("ALTER SYSTEM SET shared_buffers = '" + SHARED_BUFFERS + "'");
            }
            // An autovacuum of the TPC-B scenario's updates would land in some later run and stall whichever
            // target it hit; the comparison vacuums between scenarios instead.
            st.execute("ALTER SYSTEM SET autovacuum = off");
            st.execute("SELECT pg_reload_conf()");
        }
        if (restart) {
            pg.restart();
        }
        out.println("Creating pgbench's tables at scale " + options.scale() + "...");
        createTables(pg, options.scale());
    }

    /** Vacuums pgbench's tables and checkpoints, so that every scenario starts from the same clean state. */
    private static void vacuum(PostgresInstance pg) throws SQLException {
        try (Connection c = pg.connectAsSuperuser(DATABASE); Statement st = c.createStatement()) {
            st.execute("VACUUM ANALYZE pgbench_branches, pgbench_tellers, pgbench_accounts, pgbench_history");
            st.execute("CHECKPOINT");
        }
    }

    /** The SCRAM role the clients log in as and its database. */
    static void createRoleAndDatabase(PostgresInstance pg) throws SQLException {
        pg.createRole(USER, PASSWORD, "scram-sha-256");
        pg.createDatabase(DATABASE, USER);
    }

    static void createTables(PostgresInstance pg, int scale) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(DATABASE), USER, PASSWORD)) {
            PgbenchTables.create(c, scale);
        }
    }

    /**
     * PostgreSQL must take the largest scenario's clients directly while every pooler holds its pool
     * open, since the poolers keep running (idle) while the other targets are measured.
     */
    private int neededConnections() {
        int directClients = options.scenarios().stream().filter(Scenario::direct).mapToInt(Scenario::clients).max().orElse(0);
        int pools = options.scenarios().stream().mapToInt(Scenario::poolSize).max().orElse(0) * options.targets().size();
        return directClients + pools + SPARE_CONNECTIONS;
    }

    private static String setting(Statement st, String name) throws SQLException {
        try (ResultSet rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String serverVersion(PostgresInstance pg) throws SQLException {
        try (Connection c = pg.connectAsSuperuser(DATABASE); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1).split(" ")[0];
        }
    }

    /** Fails early when the many-client scenarios could not open their sockets. */
    private void checkFileLimit() throws IOException {
        int clients = options.scenarios().stream().mapToInt(Scenario::clients).max().orElse(0);
        long limit = openFileLimit();
        if (limit >= 0 && limit < clients + SPARE_FILES) {
            throw new IOException("the open-file limit is " + limit + ", too low for " + clients + " clients: run "
                    + "'ulimit -n " + (clients + SPARE_FILES) + "' (as root, or after raising the hard limit) first; "
                    + "bench/run-comparison.sh does");
        }
    }

    /** The soft limit on open files, which the JVM raises to the hard limit at startup; -1 when unknown. */
    static long openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static String errorsSection(List<Summary> summaries) {
        StringBuilder out = new StringBuilder();
        for (Summary s : summaries) {
            if (s.errors() > 0) {
                out.append("- scenario ").append(s.scenario().number()).append(", ").append(s.targetName()).append(": ")
                        .append(String.join("; ", s.errorSamples())).append('\n');
            }
        }
        return out.length() == 0 ? "" : "\n## Errors\n\n" + out;
    }

    private static String nameOf(List<Target> targets, String key) {
        return targets.stream().filter(t -> t.key().equals(key)).map(Target::name).findFirst().orElse(key);
    }
}
