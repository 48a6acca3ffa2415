package io.pooler.bench.fleet;

import io.pooler.bench.compare.PoolerTarget;
import io.pooler.bench.compare.ProcessTarget;
import io.pooler.testing.Postgres;
import io.pooler.testing.PostgresInstance;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.pooler.bench.fleet.FleetResult.millis;

/**
 * SHOW ADVICE under fleet load, end to end: one host of the kit's shape (16 workers, 2 crons, a gevent
 * process, db_maxconn 8) on the kit's ini with its business pool cut to {@value #UNDERSIZED} servers and
 * no reserve; the load runs, SHOW ADVICE is asked, its pool settings are written into the ini and
 * applied with RELOAD while the load keeps running, and the wait before and after is printed: the
 * pooler's own p99 wait (SHOW POOLS) and the clients' (the BEGIN round trip).
 */
public final class AdviceRun {
    static final int UNDERSIZED = 2;
    /** Short periods, so the stats window SHOW ADVICE reads (one to two periods) holds one phase only. */
    static final int STATS_PERIOD_SECONDS = 5;
    private static final String UNDERSIZED_POOL = "pool_size=" + UNDERSIZED + " reserve_pool=0";
    private static final String DIR = "fleet-advice";
    private static final Duration ADVICE_TIMEOUT = Duration.ofSeconds(60);

    private AdviceRun() {
    }

    /**
     * The kit's host at one and a half requests a second per worker, 60 ms of work in each transaction:
     * some four servers busy on average, twice what the cut pool has.
     */
    public static FleetShape shape() {
        return new FleetShape(1, 16, 2, 8, 16, 1.5, 10, 0.3, 60);
    }

    public static String run(FleetBench.Options options, PrintStream out) throws Exception {
        out.println("Starting a throwaway PostgreSQL...");
        PostgresInstance pg = Postgres.startThrowaway(0);
        try {
            return run(options, shape(), pg, out);
        } finally {
            pg.stop();
        }
    }

    public static String run(FleetBench.Options options, FleetShape shape, PostgresInstance pg, PrintStream out)
            throws Exception {
        FleetBench bench = new FleetBench(options, out);
        Files.createDirectories(options.workDir());
        FleetSchema.create(pg, shape, FleetIni.verifier(Files.readString(options.kitDir().resolve("userlist.txt"))));
        String database = shape.databases().get(0);
        ProcessTarget.Backend backend = new ProcessTarget.Backend(pg.host(), pg.port(), "postgres", FleetSchema.ROLE, "");
        PoolerTarget pooler = bench.poolerTarget(backend, List.of("stats_period=" + STATS_PERIOD_SECONDS));
        Duration window = Duration.ofSeconds(2L * STATS_PERIOD_SECONDS + 1);
        StringBuilder report = new StringBuilder();
        try {
            bench.startTarget(pg, shape, pooler, DIR, UNDERSIZED_POOL);
            out.println("Fleet: " + shape.describe());
            out.println("Pooler on the kit's ini, business pool " + UNDERSIZED_POOL + ", stats_period = "
                    + STATS_PERIOD_SECONDS);
            try (Fleet fleet = Fleet.start(shape, "127.0.0.1", pooler.port(), FleetBench.odooCredentials(),
                    FleetBench.CLIENT_THREADS);
                 AdminConsole admin = AdminConsole.open("127.0.0.1", pooler.port())) {
                fleet.open(Duration.ofSeconds(120));
                fleet.startTraffic();
                Thread.sleep(window.toMillis());
                FleetResult before = fleet.measure(window);
                long poolWaitBefore = p99WaitMicros(admin, database);
                List<Map<String, String>> advice = awaitAdvice(admin, database);
                Path ini = pooler.configFile(DIR);
                String applied = apply(advice, Files.readString(ini));
                Files.writeString(ini, applied);
                admin.rows("RELOAD");
                String appliedLine = applied.lines().filter(l -> l.startsWith("* = ")).findFirst().orElseThrow();
                Thread.sleep(window.toMillis());
                FleetResult after = fleet.measure(window);
                long poolWaitAfter = p99WaitMicros(admin, database);
                List<Map<String, String>> adviceAfter = ours(admin.rows("SHOW ADVICE"), database);

                report.append("SHOW ADVICE under the fleet's load (").append(shape.describe()).append("), ")
                        .append(database).append(" pool ").append(UNDERSIZED_POOL).append(":\n\n");
                advice.forEach(r -> report.append("  ").append(setting(r).isEmpty() ? "(no change)" : setting(r)).append(": ")
                        .append(r.get("current_value")).append(" -> ").append(r.get("suggested_value")).append("  (")
                        .append(r.get("reason")).append(")\n"));
                report.append("\nApplied with RELOAD: ").append(appliedLine.trim()).append("\n\n");
                report.append(String.format(Locale.ROOT, "%-8s %12s %14s %14s %12s %8s%n", "", "p99 wait ms",
                        "client wait", "request p99", "requests/s", "errors"));
                report.append(String.format(Locale.ROOT, "%-8s %12s %14s %14s %12s %8s%n", "", "(SHOW POOLS)",
                        "p99 ms (BEGIN)", "ms", "", ""));
                report.append(row("before", poolWaitBefore, before));
                report.append(row("after", poolWaitAfter, after));
                report.append("\nSHOW ADVICE after the change:\n");
                adviceAfter.forEach(r -> report.append("  ").append(setting(r).isEmpty() ? "(no change)" : setting(r))
                        .append(": ").append(r.get("reason")).append('\n'));
                report.append(String.format(Locale.ROOT, "%nErrors from the first login to the end: %d%s%n",
                        fleet.errorsSinceStart(), fleet.errorSamples().isEmpty() ? "" : " " + fleet.errorSamples()));
            }
        } finally {
            pooler.stop();
        }
        out.println();
        out.print(report);
        Files.createDirectories(options.outDir());
        Files.writeString(options.outDir().resolve("fleet-advice.txt"), report.toString());
        return report.toString();
    }

    private static String row(String label, long poolWaitMicros, FleetResult r) {
        return String.format(Locale.ROOT, "%-8s %12.1f %14.1f %14.1f %12.0f %8d%n", label, poolWaitMicros / 1000.0,
                millis(r.waitMicros(), 99), millis(r.requestMicros(), 99), r.requestsPerSecond(), r.errors());
    }

    private static long p99WaitMicros(AdminConsole admin, String database) throws Exception {
        return admin.rows("SHOW POOLS").stream()
                .filter(r -> database.equals(r.get("database")) && FleetSchema.ROLE.equals(r.get("user")))
                .mapToLong(r -> Long.parseLong(r.get("p99_wait_time"))).findFirst()
                .orElseThrow(() -> new IllegalStateException("no pool " + database + "/" + FleetSchema.ROLE));
    }

    /** The rows for the business pool, once one of them advises a change. */
    private static List<Map<String, String>> awaitAdvice(AdminConsole admin, String database) throws Exception {
        long deadline = System.nanoTime() + ADVICE_TIMEOUT.toNanos();
        List<Map<String, String>> rows = List.of();
        while (System.nanoTime() < deadline) {
            rows = ours(admin.rows("SHOW ADVICE"), database);
            if (rows.stream().anyMatch(r -> !setting(r).isEmpty())) {
                return rows;
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("SHOW ADVICE advised no change within " + ADVICE_TIMEOUT.toSeconds() + " s: " + rows);
    }

    /** The row's setting; empty (NULL on the wire) when the row says nothing should change. */
    private static String setting(Map<String, String> row) {
        String setting = row.get("setting");
        return setting == null ? "" : setting;
    }

    private static List<Map<String, String>> ours(List<Map<String, String>> rows, String database) {
        return rows.stream().filter(r -> database.equals(r.get("database")) && FleetSchema.ROLE.equals(r.get("user")))
                .toList();
    }

    /**
     * The ini with the advised values written into the {@code *} entry (the business pool's settings
     * come from there): pool_size, reserve_pool_size and max_db_connections. Other settings are printed, not applied.
     */
    static String apply(List<Map<String, String>> advice, String ini) {
        List<String> lines = new ArrayList<>(ini.lines().toList());
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("* = ")) {
                continue;
            }
            String line = lines.get(i);
            for (Map<String, String> row : advice) {
                String setting = setting(row);
                String key = setting.endsWith("reserve_pool_size") ? "reserve_pool" // FleetIni's name for it
                        : setting.endsWith("max_db_connections") ? "max_db_connections"
                        : setting.endsWith("pool_size") ? "pool_size" : null;
                if (key != null) {
                    line = withValue(line, key, row.get("suggested_value"));
                }
            }
            lines.set(i, line);
        }
        return String.join("\n", lines) + "\n";
    }

    private static String withValue(String entry, String key, String value) {
        StringBuilder out = new StringBuilder();
        boolean found = false;
        for (String token : entry.split(" ")) {
            if (token.startsWith(key + "=")) {
                token = key + "=" + value;
                found = true;
            }
            out.append(out.length() == 0 ? "" : " ").append(token);
        }
        return found ? out.toString() : out + " " + key + "=" + value;
    }
}
