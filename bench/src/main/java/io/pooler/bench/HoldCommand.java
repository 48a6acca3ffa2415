package io.pooler.bench;

import io.pooler.bench.compare.IdleHold;
import io.pooler.bench.compare.IdleHoldOptions;
import io.pooler.bench.compare.IdleHoldReport;
import io.pooler.bench.compare.Programs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code hold}: many idle clients held for minutes; does the pooler's memory stay flat, and go back when they leave? */
@Command(name = "hold", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Holds many idle clients (SCRAM, an odoo-<pid> application_name each) on Pooler or PgBouncer for "
                + "minutes while a few of them send queries, sampling the pooler's RSS and open files; then every client "
                + "leaves. Prints RSS at minute 1 against the end of the hold (target: under 5%% apart) and RSS and open "
                + "files after the clients left against the baseline (target: within 10%%).",
                "Exit status: 0 when both targets are met, 3 when one is missed, 2 when a client saw an error."})
final class HoldCommand implements Callable<Integer> {
    @Option(names = "--clients", defaultValue = "10000", description = "Clients held (default ${DEFAULT-VALUE}).")
    int clients;
    @Option(names = "--minutes", defaultValue = "10", description = "How long they are held (default ${DEFAULT-VALUE}).")
    double minutes;
    @Option(names = "--active-percent", defaultValue = "1", description = "Share of the clients that send queries (default ${DEFAULT-VALUE}).")
    double activePercent;
    @Option(names = "--active-rate", defaultValue = "1", description = "Queries a second per active client (default ${DEFAULT-VALUE}).")
    double activeRate;
    @Option(names = "--sample-every", defaultValue = "30", description = "Seconds between samples (default ${DEFAULT-VALUE}).")
    int sampleEvery;
    @Option(names = "--warmup", defaultValue = "20", description = "Seconds a tenth of the clients run before the baseline (default ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--settle", defaultValue = "60", description = "Seconds waited after clients leave, before sampling (default ${DEFAULT-VALUE}).")
    int settle;
    @Option(names = "--target", defaultValue = "pooler", description = "pooler, pgbouncer, or both: Pooler then PgBouncer "
            + "on one PostgreSQL, with both figures side by side at the end (default ${DEFAULT-VALUE}).")
    String target;
    @Option(names = "--pgbouncer-minutes", description = "With --target both: how long PgBouncer's clients are held "
            + "(default: --minutes).")
    Double pgbouncerMinutes;
    @Option(names = "--pooler-jar", defaultValue = "pooler-server/target/pooler.jar", description = "(default ${DEFAULT-VALUE})")
    Path poolerJar;
    @Option(names = "--pooler-launcher", defaultValue = "pooler-server/src/main/dist/pooler",
            description = "The launcher script that runs the jar with its JVM options (default ${DEFAULT-VALUE}).")
    Path poolerLauncher;
    @Option(names = "--pooler-java-options", defaultValue = "", description = "The launcher's POOLER_JAVA_OPTS, space-separated.")
    String poolerJavaOptions;
    @Option(names = "--pgbouncer", description = "PgBouncer binary (default: pgbouncer on the PATH, or /usr/sbin/pgbouncer).")
    Path pgbouncer;
    @Option(names = "--histogram", description = "Also write Pooler's heap histograms to FILE.baseline.txt and FILE.held.txt, "
            + "and print the growth per client (each runs a full collection, which disturbs the figures after the hold).")
    Path histogram;
    @Option(names = "--work-dir", description = "Configs and logs (default: a new temporary directory).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        Path dir = workDir != null ? workDir : Files.createTempDirectory("pooler-hold-");
        if (!target.equals("both")) {
            return exitStatus(List.of(IdleHold.run(options(target, minutes, dir), System.out)));
        }
        List<IdleHoldOptions> runs = List.of(options("pooler", minutes, dir.resolve("pooler")),
                options("pgbouncer", pgbouncerMinutes != null ? pgbouncerMinutes : minutes, dir.resolve("pgbouncer")));
        List<IdleHoldReport> reports = IdleHold.runAll(runs, System.out);
        System.out.println();
        System.out.print(IdleHoldReport.renderSideBySide(reports));
        return exitStatus(reports.subList(0, 1)); // the targets are Pooler's; PgBouncer's figures are for comparison
    }

    private IdleHoldOptions options(String target, double minutes, Path dir) {
        Duration hold = Duration.ofMillis(Math.round(minutes * 60_000));
        Duration early = hold.compareTo(Duration.ofMinutes(1)) >= 0 ? Duration.ofMinutes(1) : hold.dividedBy(10);
        return new IdleHoldOptions(clients, activePercent, activeRate, hold, early,
                Duration.ofSeconds(sampleEvery), Duration.ofSeconds(warmup), Duration.ofSeconds(settle), target,
                poolerJar, poolerLauncher,
                poolerJavaOptions.isBlank() ? List.of() : Arrays.asList(poolerJavaOptions.trim().split("\\s+")),
                Optional.ofNullable(pgbouncer).or(Programs::pgbouncer), dir, Optional.ofNullable(histogram));
    }

    private static int exitStatus(List<IdleHoldReport> reports) {
        if (reports.stream().anyMatch(r -> r.errors() > 0)) {
            return 2;
        }
        return reports.stream().allMatch(r -> r.heldFlat() && r.returned()) ? 0 : 3;
    }
}
