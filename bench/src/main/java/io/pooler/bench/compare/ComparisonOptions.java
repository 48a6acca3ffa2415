package io.pooler.bench.compare;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a comparison runs.
 *
 * @param rounds how many times each target runs each scenario, targets alternating
 * @param duration how long each run is measured
 * @param warmup how long each target runs each scenario, unmeasured, before the rounds
 * @param pgbouncer the PgBouncer binary (the distribution's), if any
 * @param pgbouncerLatest a second, newer PgBouncer binary, if any
 * @param pgbench pgbench, if any; without it the bench's own client runs every scenario
 * @param poolerJar {@code pooler.jar}; when missing, Pooler runs from this process's class path
 * @param poolerLauncher the launcher script users start Pooler with; it runs {@code poolerJar} with its JVM options
 * @param poolerJavaOptions JVM options for Pooler's process
 * @param poolerJfr record a JFR profile of Pooler's process in each scenario
 * @param poolerSettings extra {@code key = value} lines for Pooler's ini only (its own keys, such as worker_threads)
 * @param scenarios the scenarios to run, in order
 * @param targets which of direct, pgbouncer, pgbouncer-latest, pooler, pooler-nopin (Pooler with
 *                {@code pin_on_session_state = 0}: no session-state scan), pooler-io-uring and pooler-epoll
 *                (Pooler with {@code -Dpooler.transport=io_uring} or {@code epoll}) to run
 * @param scale pgbench's scale: 100,000 accounts per unit
 * @param workDir where configs, logs and profiles go
 */
public record ComparisonOptions(int rounds, Duration duration, Duration warmup, Path outDir,
                                Optional<Path> pgbouncer, Optional<Path> pgbouncerLatest, Optional<Path> pgbench,
                                Path poolerJar, Path poolerLauncher, List<String> poolerJavaOptions, boolean poolerJfr, List<String> poolerSettings,
                                List<Scenario> scenarios, List<String> targets, int scale, Path workDir) {

    public static final List<String> ALL_TARGETS = List.of("direct", "pgbouncer", "pgbouncer-latest", "pooler",
            "pooler-nopin", "pooler-io-uring", "pooler-epoll");

    public ComparisonOptions {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1");
        }
        poolerJavaOptions = List.copyOf(poolerJavaOptions);
        poolerSettings = List.copyOf(poolerSettings);
        scenarios = List.copyOf(scenarios);
        targets = List.copyOf(targets);
        for (String t : targets) {
            if (!ALL_TARGETS.contains(t)) {
                throw new IllegalArgumentException("unknown target " + t + "; known: " + ALL_TARGETS);
            }
        }
    }
}
