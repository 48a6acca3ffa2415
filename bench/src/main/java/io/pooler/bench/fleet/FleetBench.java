package io.pooler.bench.fleet;

import io.pooler.bench.compare.Comparison;
import io.pooler.bench.compare.MachineInfo;
import io.pooler.bench.compare.PgBouncerTarget;
import io.pooler.bench.compare.PoolerTarget;
import io.pooler.bench.compare.ProcessStats;
import io.pooler.bench.compare.ProcessTarget;
import io.pooler.bench.compare.RunCpu;
import io.pooler.bench.load.Credentials;
import io.pooler.testing.Postgres;
import io.pooler.testing.PostgresInstance;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Odoo-fleet comparison: for each fleet size, PgBouncer and Pooler in turn (the order rotating
 * from round to round) on the kit's conf/odoo/pooler.ini adapted to the fleet ({@link FleetIni}), each
 * as its own process in front of one throwaway PostgreSQL, under the same simulated fleet.
 */
public final class FleetBench {
    /** Client threads of the simulated fleet: it shares the machine with the pooler and PostgreSQL. */
    static final int CLIENT_THREADS = 2;
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(180);
    private static final long SAMPLE_MILLIS = 500;
    /** PostgreSQL connections beyond the server budget: the bench's own sampler, superuser, autovacuum. */
    private static final int SPARE_CONNECTIONS = 40;

    /**
     * How a fleet comparison runs.
     *
     * @param shapes the fleets, in order
     * @param targets pgbouncer and/or pooler
     * @param kitDir conf/odoo: pooler.ini and userlist.txt as shipped
     */
    public record Options(List<FleetShape> shapes, List<String> targets, int rounds, Duration warmup, Duration duration,
                          Path kitDir, Path outDir, Optional<Path> pgbouncer, Path poolerJar,
                          List<String> poolerJavaOptions, Path workDir) {
    }

    private final Options options;
    private final PrintStream out;
    private final String kitIni;
    private final String kitUserlist;

    FleetBench(Options options, PrintStream out) throws Exception {
        this.options = options;
        this.out = out;
        this.kitIni = Files.readString(options.kitDir().resolve("pooler.ini"));
        this.kitUserlist = Files.readString(options.kitDir().resolve("userlist.txt"));
    }

    /** Runs against a throwaway PostgreSQL of its own. */
    public static List<FleetMeasurement> run(Options options, PrintStream out) throws Exception {
        out.println("Starting a throwaway PostgreSQL...");
        PostgresInstance pg = Postgres.startThrowaway(0);
        try {
            return run(options, pg, out);
        } finally {
            pg.stop();
        }
    }

    public static List<FleetMeasurement> run(Options options, PostgresInstance pg, PrintStream out) throws Exception {
        return new FleetBench(options, out).run(pg);
    }

    private List<FleetMeasurement> run(PostgresInstance pg) throws Exception {
        Files.createDirectories(options.workDir());
        FleetSchema.ensureConnections(pg, FleetIni.SERVER_BUDGET + SPARE_CONNECTIONS);
        List<ProcessTarget> targets = targets(pg);
        Map<String, String> software = new LinkedHashMap<>();
        software.put("PostgreSQL", serverVersion(pg) + " (throwaway)");
        targets.forEach(t -> software.put(t.key(), t.name()));
        software.put("runs", options.rounds() + " round(s) per fleet size and target, " + options.warmup().toSeconds()
                + " s of load before " + options.duration().toSeconds() + " s measured (the load repeated while a JVM's"
                + " JIT compiler threads took over " + Math.round(Comparison.SETTLED_COMPILER_SHARE * 100)
                + "% of its CPU, up to " + Comparison.MAX_WARMUP_RUNS + " times)");
        Map<String, String> machine = MachineInfo.describe(software);
        out.print(MachineInfo.render(machine));

        List<FleetMeasurement> all = new ArrayList<>();
        try {
            for (FleetShape shape : options.shapes()) {
                out.printf(Locale.ROOT, "%nFleet: %s%n", shape.describe());
                FleetSchema.create(pg, shape, FleetIni.verifier(kitUserlist));
                for (int round = 1; round <= options.rounds(); round++) {
                    for (ProcessTarget t : rotated(targets, round)) {
                        FleetMeasurement m = runOnce(pg, shape, t, round);
                        all.add(m);
                        out.println("  " + FleetReport.brief(m));
                    }
                }
            }
        } finally {
            targets.forEach(ProcessTarget::stop);
        }
        String report = FleetReport.markdown(machine, all);
        Files.createDirectories(options.outDir());
        Files.writeString(options.outDir().resolve(FleetReport.FILE), report);
        Files.writeString(options.outDir().resolve(FleetReport.CSV), FleetReport.csv(all));
        try {
            FleetPlot.write(options.outDir(), all);
        } catch (Exception | Error e) {
            // Without fonts (a bare container) java.awt cannot draw; the numbers are written already.
            out.println("Could not draw the plot: " + e);
        }
        out.println();
        out.print(report);
        out.println("Results: " + options.outDir().resolve(FleetReport.FILE).toAbsolutePath());
        out.println("Configs and logs: " + options.workDir().toAbsolutePath());
        return all;
    }

    private FleetMeasurement runOnce(PostgresInstance pg, FleetShape shape, ProcessTarget target, int round) {
        String dir = "fleet-" + shape.clientConnections() + "-" + target.key() + "-" + round;
        try {
            startTarget(pg, shape, target, dir, null);
            return measure(pg, shape, target, round);
        } catch (Exception e) {
            String why = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (target.pid().isEmpty()) {
                why += "; " + target.logTail();
            }
            return new FleetMeasurement(target.key(), target.name(), round, shape, null, 0, 0, 0, Double.NaN, 0, why,
                    Double.NaN);
        } finally {
            target.stop();
        }
    }

    void startTarget(PostgresInstance pg, FleetShape shape, ProcessTarget target, String dir, String businessPool)
            throws Exception {
        Path authFile = options.workDir().resolve(dir).resolve("userlist.txt").toAbsolutePath();
        boolean pgbouncer = target instanceof PgBouncerTarget;
        target.start(dir, port -> FleetIni.render(kitIni, shape, pg.host(), pg.port(), port, authFile.toString(),
                businessPool, pgbouncer), kitUserlist);
    }

    private FleetMeasurement measure(PostgresInstance pg, FleetShape shape, ProcessTarget target, int round)
            throws Exception {
        long pid = target.pid().orElseThrow();
        try (Fleet fleet = Fleet.start(shape, "127.0.0.1", target.port(), odooCredentials(), CLIENT_THREADS);
             Connection superuser = pg.connectAsSuperuser("postgres")) {
            fleet.open(OPEN_TIMEOUT);
            fleet.startTraffic();
            warmUp(target, shape);
            AtomicBoolean sampling = new AtomicBoolean(true);
            AtomicInteger maxServers = new AtomicInteger();
            AtomicInteger maxPostgres = new AtomicInteger();
            AtomicLong maxRss = new AtomicLong();
            Thread sampler = new Thread(() -> {
                long deadline = System.nanoTime() + options.duration().multipliedBy(2).toNanos();
                while (sampling.get() && System.nanoTime() < deadline) {
                    try {
                        int[] servers = FleetSchema.serverConnections(superuser);
                        maxServers.accumulateAndGet(servers[0], Math::max);
                        maxPostgres.accumulateAndGet(servers[1], Math::max);
                        maxRss.accumulateAndGet(ProcessStats.rssBytes(pid), Math::max);
                        Thread.sleep(SAMPLE_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        fleet.error("sampling: " + e.getMessage());
                        return;
                    }
                }
            }, "fleet-sampler");
            RunCpu cpu = RunCpu.start(OptionalLong.of(pid));
            sampler.start();
            FleetResult result = fleet.measure(options.duration());
            RunCpu.Used used = cpu.stop();
            sampling.set(false);
            sampler.join(10_000);
            long errors = fleet.errorsSinceStart() + result.stalled();
            return new FleetMeasurement(target.key(), target.name(), round, shape, result, errors, maxServers.get(),
                    maxPostgres.get(), 100 * used.seconds() / result.seconds(), maxRss.get(), null,
                    100 * used.compilerSeconds() / result.seconds());
        }
    }

    /**
     * The fleet's load before measuring: {@code --warmup}, again while the target's JIT compiler threads
     * took more than {@link Comparison#SETTLED_COMPILER_SHARE} of its CPU, as the comparison's warm-up
     * does (up to {@link Comparison#MAX_WARMUP_RUNS} in all). Only a JVM has compiler threads, so
     * PgBouncer warms up once. Each run is printed with the compiler's share.
     */
    private void warmUp(ProcessTarget target, FleetShape shape) throws Exception {
        OptionalLong pid = OptionalLong.of(target.pid().orElseThrow());
        for (int run = 1; ; run++) {
            RunCpu cpu = RunCpu.start(pid);
            Thread.sleep(options.warmup().toMillis());
            RunCpu.Used used = cpu.stop();
            double share = used.compilerShare();
            out.printf(Locale.ROOT, "  warm-up  %-22s %,d clients  cpu %.0f%%%s%n", target.name(),
                    shape.clientConnections(), 100 * used.seconds() / (options.warmup().toMillis() / 1000.0),
                    share > 0 ? String.format(Locale.ROOT, " (JIT compiler %.0f%%)", share * 100) : "");
            if (!(share > Comparison.SETTLED_COMPILER_SHARE) || run >= Comparison.MAX_WARMUP_RUNS) {
                return;
            }
        }
    }

    static Credentials odooCredentials() {
        return new Credentials(FleetSchema.ROLE, FleetSchema.PASSWORD);
    }

    private List<ProcessTarget> targets(PostgresInstance pg) throws Exception {
        ProcessTarget.Backend backend = new ProcessTarget.Backend(pg.host(), pg.port(), "postgres", FleetSchema.ROLE, "");
        List<ProcessTarget> targets = new ArrayList<>();
        for (String key : options.targets()) {
            switch (key) {
                case "pgbouncer" -> {
                    if (options.pgbouncer().isPresent()) {
                        targets.add(new PgBouncerTarget(options.workDir(), backend, options.pgbouncer().get(), key));
                    } else {
                        out.println("PgBouncer not found: the fleet runs without it. Install it with: apt-get install -y pgbouncer");
                    }
                }
                case "pooler" -> targets.add(poolerTarget(backend, List.of()));
                default -> throw new IllegalArgumentException("unknown target " + key + "; known: pgbouncer, pooler");
            }
        }
        return targets;
    }

    PoolerTarget poolerTarget(ProcessTarget.Backend backend, List<String> settings) {
        // Started through the launcher script, as users start it, so its JVM options are the ones measured.
        return new PoolerTarget(options.workDir(), backend, options.poolerJar(), Path.of("pooler-server/src/main/dist/pooler"),
                options.poolerJavaOptions(), false, settings);
    }

    static <T> List<T> rotated(List<T> targets, int round) {
        List<T> order = new ArrayList<>(targets.size());
        for (int i = 0; i < targets.size(); i++) {
            order.add(targets.get((i + round - 1) % targets.size()));
        }
        return order;
    }

    static String serverVersion(PostgresInstance pg) throws Exception {
        try (Connection c = pg.connectAsSuperuser("postgres"); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1).split(" ")[0];
        }
    }
}
