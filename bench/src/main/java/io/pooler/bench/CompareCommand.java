package io.pooler.bench;

import io.pooler.bench.compare.Comparison;
import io.pooler.bench.compare.ComparisonOptions;
import io.pooler.bench.compare.Programs;
import io.pooler.bench.compare.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code compare}: the whole side-by-side comparison, one table and one plot. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the six scenarios against PostgreSQL alone, PgBouncer and Pooler, in front of one throwaway "
                + "PostgreSQL, and writes the table, the CSV files and the plot.")
final class CompareCommand implements Callable<Integer> {
    @Option(names = "--rounds", defaultValue = "3", description = "Rounds per scenario; targets alternate within each (default ${DEFAULT-VALUE}).")
    int rounds;
    @Option(names = "--duration", defaultValue = "8", description = "Seconds measured per run (default ${DEFAULT-VALUE}).")
    int duration;
    @Option(names = "--warmup", defaultValue = "10", description = "Seconds of unmeasured load per target and scenario first, repeated for Pooler while its JIT compiler threads take more than 5%% of its CPU, up to six times (default ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--out", defaultValue = "bench/results", description = "Where the results go (default ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--pgbouncer", description = "PgBouncer binary (default: pgbouncer on the PATH, or /usr/sbin/pgbouncer).")
    Path pgbouncer;
    @Option(names = "--pgbouncer-latest", description = "A second, newer PgBouncer binary to compare too.")
    Path pgbouncerLatest;
    @Option(names = "--pgbench", description = "pgbench binary (default: on the PATH, or the newest under /usr/lib/postgresql).")
    Path pgbench;
    @Option(names = "--pooler-jar", defaultValue = "pooler-server/target/pooler.jar", description = "(default ${DEFAULT-VALUE})")
    Path poolerJar;
    @Option(names = "--pooler-launcher", defaultValue = "pooler-server/src/main/dist/pooler",
            description = "The launcher script that runs the jar with its JVM options, as users start Pooler (default ${DEFAULT-VALUE}).")
    Path poolerLauncher;
    @Option(names = "--pooler-java-options", defaultValue = "", description = "JVM options for Pooler's process, space-separated: the launcher's POOLER_JAVA_OPTS, after its own.")
    String poolerJavaOptions;
    @Option(names = "--pooler-setting", description = "key=value for Pooler's ini only, e.g. worker_threads=1; repeatable.")
    List<String> poolerSettings = new ArrayList<>();
    @Option(names = "--pooler-jfr", description = "Record a JFR profile of Pooler in each scenario (in the work directory).")
    boolean poolerJfr;
    @Option(names = "--scenarios", split = ",", description = "Scenario numbers to run (default: all six).")
    List<Integer> scenarios;
    @Option(names = "--targets", split = ",", defaultValue = "direct,pgbouncer,pgbouncer-latest,pooler",
            description = "Targets to run, of direct, pgbouncer, pgbouncer-latest, pooler (its default transport), pooler-nopin, "
                    + "pooler-io-uring, pooler-epoll (default ${DEFAULT-VALUE}).")
    List<String> targets;
    @Option(names = "--scale", defaultValue = "10", description = "pgbench scale (default ${DEFAULT-VALUE}).")
    int scale;
    @Option(names = "--smoke", description = "Few clients: checks that every scenario runs, measures nothing worth keeping.")
    boolean smoke;
    @Option(names = "--work-dir", description = "Configs, logs and profiles (default: a new temporary directory).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        ComparisonOptions options = new ComparisonOptions(rounds, Duration.ofSeconds(duration), Duration.ofSeconds(warmup), out,
                Optional.ofNullable(pgbouncer).or(Programs::pgbouncer),
                Optional.ofNullable(pgbouncerLatest),
                Optional.ofNullable(pgbench).or(Programs::pgbench),
                poolerJar, poolerLauncher,
                poolerJavaOptions.isBlank() ? List.of() : Arrays.asList(poolerJavaOptions.trim().split("\\s+")),
                poolerJfr, poolerSettings,
                Scenarios.select(smoke ? Scenarios.smoke() : Scenarios.standard(), scenarios),
                targets, scale,
                workDir != null ? workDir : Files.createTempDirectory("pooler-bench-"));
        Comparison.run(options, System.out);
        return 0;
    }
}
