package io.pooler.bench;

import io.pooler.bench.compare.Programs;
import io.pooler.bench.fleet.AdviceRun;
import io.pooler.bench.fleet.FleetBench;
import io.pooler.bench.fleet.FleetShape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code fleet}: the Odoo-fleet comparison, or with {@code --advice} SHOW ADVICE under the fleet's load. */
@Command(name = "fleet", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Simulated Odoo hosts (prefork workers, cron workers, a gevent process, each with its own "
                + "db_maxconn pool) against PgBouncer and Pooler on conf/odoo/pooler.ini, in front of a throwaway "
                + "PostgreSQL; writes fleet.md and fleet.csv. With --advice: SHOW ADVICE end to end.")
final class FleetCommand implements Callable<Integer> {
    @Option(names = "--clients", split = ",", defaultValue = "5000,10000",
            description = "Fleet sizes: at least this many client connections each, in hosts of 611 (default ${DEFAULT-VALUE}).")
    List<Integer> clients;
    @Option(names = "--rate", defaultValue = "0.25", description = "HTTP requests a second per prefork worker (default ${DEFAULT-VALUE}).")
    double rate;
    @Option(names = "--rounds", defaultValue = "1", description = "Rounds per size; targets alternate (default ${DEFAULT-VALUE}).")
    int rounds;
    @Option(names = "--warmup", defaultValue = "15", description = "Seconds of load before measuring (default ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--duration", defaultValue = "30", description = "Seconds measured (default ${DEFAULT-VALUE}).")
    int duration;
    @Option(names = "--targets", split = ",", defaultValue = "pgbouncer,pooler", description = "(default ${DEFAULT-VALUE})")
    List<String> targets;
    @Option(names = "--advice", description = "SHOW ADVICE end to end: an undersized pool under one host's load, advised, reloaded, measured again.")
    boolean advice;
    @Option(names = "--kit", defaultValue = "conf/odoo", description = "The Odoo kit's directory (default ${DEFAULT-VALUE}).")
    Path kit;
    @Option(names = "--out", defaultValue = "bench/results", description = "(default ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--pgbouncer", description = "PgBouncer binary (default: pgbouncer on the PATH, or /usr/sbin/pgbouncer).")
    Path pgbouncer;
    @Option(names = "--pooler-jar", defaultValue = "pooler-server/target/pooler.jar", description = "(default ${DEFAULT-VALUE})")
    Path poolerJar;
    @Option(names = "--pooler-java-options", defaultValue = "", description = "JVM options for Pooler's process, space-separated.")
    String poolerJavaOptions;
    @Option(names = "--work-dir", description = "Configs and logs (default: a new temporary directory).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        List<FleetShape> shapes = clients.stream().map(c -> FleetShape.odooHosts(c).withRate(rate)).toList();
        FleetBench.Options options = new FleetBench.Options(shapes, targets, rounds, Duration.ofSeconds(warmup),
                Duration.ofSeconds(duration), kit, out, Optional.ofNullable(pgbouncer).or(Programs::pgbouncer), poolerJar,
                poolerJavaOptions.isBlank() ? List.of() : Arrays.asList(poolerJavaOptions.trim().split("\\s+")),
                workDir != null ? workDir : Files.createTempDirectory("pooler-fleet-"));
        if (advice) {
            AdviceRun.run(options, System.out);
        } else {
            FleetBench.run(options, System.out);
        }
        return 0;
    }
}
