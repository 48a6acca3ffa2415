package io.pooler.bench.compare;

import io.pooler.bench.compare.IdleHoldReport.Sample;
import io.pooler.bench.load.ApplicationNames;
import io.pooler.bench.load.Credentials;
import io.pooler.bench.load.Endpoint;
import io.pooler.bench.load.LoadException;
import io.pooler.bench.load.LoadGenerator;
import io.pooler.bench.load.LoadResult;
import io.pooler.bench.load.LoadSpec;
import io.pooler.bench.load.Pacing;
import io.pooler.bench.load.Protocol;
import io.pooler.bench.load.TransactionScript;
import io.pooler.testing.Postgres;
import io.pooler.testing.PostgresInstance;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The hold test: many idle clients held for minutes while a few of them keep sending queries, the
 * pooler's RSS and open files sampled throughout, then everyone leaves. An idle client must cost the
 * same at the end of a long hold as at its start, and what the clients cost must go away with them.
 *
 * <p>The run: a throwaway PostgreSQL; the pooler as its own process (as the comparison starts it); a
 * warm-up in which a tenth of the clients log in, query and leave, so the baseline is that of a pooler
 * that has served, not of a cold JVM; then every client logs in with SCRAM and an {@code odoo-<pid>}
 * application_name of its own, {@link IdleHoldOptions#activeClients()} of them sending a select each
 * at a fixed rate, the others silent; after the hold, every client says goodbye. Loopback only, and
 * every phase is bounded in time.
 */
public final class IdleHold {
    private static final int POOL_SIZE = 20;
    private static final int SCALE = 1;
    private static final int SPARE_FILES = 1000;
    private static final Duration LOGIN_TIMEOUT = Duration.ofMinutes(2);
    /** Client threads of the silent group; the trickle's few clients get one of their own. */
    private static final int IDLE_CLIENT_THREADS = 2;

    private final IdleHoldOptions options;
    private final PrintStream out;
    private long startNanos;

    private IdleHold(IdleHoldOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Runs the hold test against a throwaway PostgreSQL of its own, stopped at the end. */
    public static IdleHoldReport run(IdleHoldOptions options, PrintStream out) throws Exception {
        out.println("Starting a throwaway PostgreSQL...");
        PostgresInstance pg = Postgres.startThrowaway(0);
        try {
            return run(options, pg, out);
        } finally {
            pg.stop();
        }
    }

    /** Runs one hold test after the other on one throwaway PostgreSQL (Pooler's, then PgBouncer's, say). */
    public static List<IdleHoldReport> runAll(List<IdleHoldOptions> runs, PrintStream out) throws Exception {
        out.println("Starting a throwaway PostgreSQL...");
        PostgresInstance pg = Postgres.startThrowaway(0);
        try {
            List<IdleHoldReport> reports = new ArrayList<>();
            for (IdleHoldOptions options : runs) {
                reports.add(run(options, pg, out));
                out.println();
            }
            return reports;
        } finally {
            pg.stop();
        }
    }

    public static IdleHoldReport run(IdleHoldOptions options, PostgresInstance pg, PrintStream out) throws Exception {
        return new IdleHold(options, out).run(pg);
    }

    private IdleHoldReport run(PostgresInstance pg) throws Exception {
        checkFileLimit();
        Files.createDirectories(options.workDir());
        Comparison.createRoleAndDatabase(pg);
        Comparison.createTables(pg, SCALE);
        ProcessTarget target = target(pg);
        Scenario scenario = new Scenario(0, "hold", "hold test", options.clients(), POOL_SIZE, "transaction", false,
                Protocol.SIMPLE, false, 0, false, 0, false, ApplicationNames.odooPerClient());
        Credentials credentials = new Credentials(Comparison.USER, Comparison.PASSWORD);
        try {
            target.start(scenario);
            startNanos = System.nanoTime();
            long pid = target.requirePid();
            out.printf(Locale.ROOT, "%s%s, pid %d%n", target.name(),
                    target instanceof PoolerTarget p ? ", " + p.launchDescription() : "", pid);
            out.printf(Locale.ROOT, "%8s  %-34s %8s %9s %7s %8s%n", "time", "phase", "clients", "RSS MB", "files", "CPU s");
            Sample started = sample(pid, "started", 0);
            Endpoint endpoint = new Endpoint("127.0.0.1", target.port(), Comparison.DATABASE, credentials);

            warmUp(endpoint, pid);
            Sample baseline = sample(pid, "baseline (warm-up clients gone)", 0);
            HeapHistogram heapBefore = histogram(pid, "baseline");

            return hold(endpoint, pid, target.name(), started, baseline, heapBefore);
        } finally {
            target.stop();
        }
    }

    /** A tenth of the clients log in, query for the warm-up time and leave; then the settle time passes. */
    private void warmUp(Endpoint endpoint, long pid) throws Exception {
        int clients = Math.max(1, options.clients() / 10);
        LoadSpec spec = spec(endpoint, clients, Pacing.fixedRate(clients), ApplicationNames.odooPerClient(), IDLE_CLIENT_THREADS);
        try (LoadGenerator load = LoadGenerator.start(spec)) {
            load.connect(LOGIN_TIMEOUT);
            load.measure(options.warmup());
            sample(pid, "warm-up", load.loggedInClients());
            if (load.errorsSinceStart() > 0) {
                throw new LoadException("the warm-up had " + load.errorsSinceStart() + " errors: " + load.errorSamples());
            }
        }
        settle(pid, "warm-up clients gone");
    }

    private IdleHoldReport hold(Endpoint endpoint, long pid, String name, Sample started, Sample baseline,
                                HeapHistogram heapBefore) throws Exception {
        int active = options.activeClients();
        int silent = options.clients() - active;
        Histogram latency = new Histogram(3);
        long queries = 0;
        Sample early = null;
        Sample late;
        List<String> errorSamples = new ArrayList<>();
        long errors;
        LoadGenerator trickle = active == 0 ? null : LoadGenerator.start(spec(endpoint, active,
                Pacing.fixedRate(active * options.queriesPerActiveClient()), ApplicationNames.odooPerClient(), 1));
        LoadGenerator idle = silent == 0 ? null : LoadGenerator.start(spec(endpoint, silent, Pacing.idle(),
                ApplicationNames.odooPerClient().skipping(active), IDLE_CLIENT_THREADS));
        try {
            if (trickle != null) {
                trickle.connect(LOGIN_TIMEOUT);
            }
            if (idle != null) {
                idle.connect(LOGIN_TIMEOUT);
            }
            sample(pid, "all logged in", loggedIn(trickle, idle));
            long holdStart = System.nanoTime();
            long earlyAt = holdStart + options.early().toNanos();
            long end = holdStart + options.hold().toNanos();
            late = null;
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                long until = Math.min(end, now + options.sampleEvery().toNanos());
                if (early == null && earlyAt > now) {
                    until = Math.min(until, earlyAt);
                }
                Duration step = Duration.ofNanos(Math.max(1_000_000, until - now));
                if (trickle != null) {
                    LoadResult r = trickle.measure(step);
                    latency.add(r.latencyMicros());
                    queries += r.transactions();
                } else {
                    sleep(step);
                }
                boolean isEarly = early == null && System.nanoTime() >= earlyAt;
                late = sample(pid, isEarly ? "hold, minute 1" : "hold", loggedIn(trickle, idle));
                if (isEarly) {
                    early = late;
                }
            }
            if (early == null) {
                early = late;
            }
            HeapHistogram heapAfter = histogram(pid, "held");
            if (heapBefore != null && heapAfter != null) {
                out.print(HeapHistogram.renderPerClient(heapBefore, heapAfter, options.clients(), 25));
            }
        } finally {
            errors = 0;
            for (LoadGenerator g : new LoadGenerator[] {trickle, idle}) {
                if (g != null) {
                    g.close();
                    errors += g.errorsSinceStart();
                    errorSamples.addAll(g.errorSamples());
                }
            }
        }
        Sample afterDisconnect = settle(pid, "all clients gone");
        IdleHoldReport report = new IdleHoldReport(name, options.clients(), active, started, baseline, early, late,
                afterDisconnect, queries, errors, errorSamples, latency);
        out.println();
        out.print(report.render());
        return report;
    }

    /** Waits the settle time, sampling as it goes, and returns the last sample. */
    private Sample settle(long pid, String phase) throws IOException {
        long end = System.nanoTime() + options.settle().toNanos();
        Sample last = sample(pid, phase + ", settling", 0);
        while (System.nanoTime() < end) {
            sleep(Duration.ofNanos(Math.min(options.sampleEvery().toNanos(), end - System.nanoTime())));
            last = sample(pid, System.nanoTime() >= end ? phase : phase + ", settling", 0);
        }
        return last;
    }

    private Sample sample(long pid, String phase, int clients) throws IOException {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Sample s = new Sample(seconds, clients, ProcessStats.rssBytes(pid), ProcessStats.openFiles(pid),
                ProcessStats.cpuSeconds(pid));
        out.printf(Locale.ROOT, "%5d:%02d  %-34s %8d %9.1f %7d %8.1f%n", (long) seconds / 60, (long) seconds % 60, phase,
                clients, IdleHoldReport.mb(s.rssBytes()), s.openFiles(), s.cpuSeconds());
        return s;
    }

    /** A heap histogram of Pooler when asked for one, else null. */
    private HeapHistogram histogram(long pid, String when) throws IOException, InterruptedException {
        if (options.histogram().isEmpty() || !options.target().equals("pooler")) {
            return null;
        }
        Path base = options.histogram().get();
        Path file = base.resolveSibling(base.getFileName() + "." + when + ".txt");
        HeapHistogram h = HeapHistogram.take(pid, file);
        out.printf(Locale.ROOT, "         heap histogram (%s, after a full collection): %.1f MB live, in %s%n", when,
                IdleHoldReport.mb(h.totalBytes()), file);
        return h;
    }

    private static LoadSpec spec(Endpoint endpoint, int clients, Pacing pacing, ApplicationNames names, int threads) {
        return LoadSpec.closedLoop(endpoint, clients, TransactionScript.selectOnly(SCALE), Protocol.SIMPLE)
                .withPacing(pacing)
                .withApplicationNames(names)
                .withEventLoops(threads);
    }

    private static int loggedIn(LoadGenerator... groups) {
        int n = 0;
        for (LoadGenerator g : groups) {
            n += g == null ? 0 : g.loggedInClients();
        }
        return n;
    }

    private ProcessTarget target(PostgresInstance pg) throws Exception {
        ProcessTarget.Backend backend = new ProcessTarget.Backend(pg.host(), pg.port(), Comparison.DATABASE,
                Comparison.USER, pg.storedPassword(Comparison.USER));
        if (options.target().equals("pgbouncer")) {
            Path binary = options.pgbouncer().orElseThrow(() -> new IOException(
                    "PgBouncer not found; install it with: apt-get install -y pgbouncer"));
            return new PgBouncerTarget(options.workDir(), backend, binary, "pgbouncer");
        }
        return new PoolerTarget(options.workDir(), backend, options.poolerJar(), options.poolerLauncher(),
                options.poolerJavaOptions(), false, List.of());
    }

    private void checkFileLimit() throws IOException {
        long limit = Comparison.openFileLimit();
        if (limit >= 0 && limit < options.clients() + SPARE_FILES) {
            throw new IOException("the open-file limit is " + limit + ", too low for " + options.clients()
                    + " clients: run 'ulimit -n " + (options.clients() + SPARE_FILES) + "' first");
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(0, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
