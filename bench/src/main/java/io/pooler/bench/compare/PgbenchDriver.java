package io.pooler.bench.compare;

import io.pooler.bench.load.Protocol;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a scenario with pgbench: a client in C that most published pooler numbers use, and that
 * costs the shared two cores less than a JVM client would.
 */
final class PgbenchDriver implements Driver {
    /** How long past its run time pgbench may take before it is taken for hung (a pooler that stopped answering). */
    private static final Duration GRACE = Duration.ofSeconds(60);
    private static final int MAX_THREADS = 2;

    private final Path pgbench;
    private final String database;
    private final String user;
    private final String password;
    private final Path workDir;

    PgbenchDriver(Path pgbench, String database, String user, String password, Path workDir) {
        this.pgbench = pgbench;
        this.database = database;
        this.user = user;
        this.password = password;
        this.workDir = workDir;
    }

    @Override
    public String name() {
        return "pgbench";
    }

    List<String> command(Scenario scenario, int port, Duration duration, Path logPrefix) {
        List<String> command = new ArrayList<>(List.of(pgbench.toString(), "--no-vacuum",
                "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", user,
                "-c", Integer.toString(scenario.clients()),
                "-j", Integer.toString(Math.min(MAX_THREADS, scenario.clients())),
                "-T", Long.toString(Math.max(1, duration.toSeconds())),
                "-M", scenario.protocol() == Protocol.PREPARED ? "prepared" : "simple",
                "--log", "--log-prefix=" + logPrefix));
        if (!scenario.tpcb()) {
            command.add("--select-only");
        }
        if (scenario.connectPerTransaction()) {
            command.add("--connect");
        }
        if (!scenario.closedLoop()) {
            command.add("--rate=" + scenario.ratePerSecond());
        }
        command.add(database);
        return command;
    }

    @Override
    public Measurement run(Scenario scenario, Target target, Duration duration) throws Exception {
        Path dir = Files.createTempDirectory(workDir, "pgbench-");
        try {
            ProcessBuilder builder = new ProcessBuilder(command(scenario, target.port(), duration, dir.resolve("tx")))
                    .directory(dir.toFile())
                    .redirectOutput(dir.resolve("stdout").toFile())
                    .redirectError(dir.resolve("stderr").toFile());
            builder.environment().put("PGPASSWORD", password);
            // No SSLRequest round trip: none of the targets has TLS configured.
            builder.environment().put("PGSSLMODE", "disable");
            RunCpu cpu = RunCpu.start(target.pid());
            Process process = builder.start();
            if (!process.waitFor(duration.plus(GRACE).toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                return Measurement.failed(name(), "pgbench did not finish within " + duration.plus(GRACE).toSeconds()
                        + " s: the target stopped answering");
            }
            RunCpu.Used used = cpu.stop();
            PgbenchOutput output = PgbenchOutput.parse(Files.readString(dir.resolve("stdout")),
                    Files.readString(dir.resolve("stderr")));
            Histogram latency = readLogs(dir);
            long errors = output.failed() + output.errors().size() + (process.exitValue() == 0 ? 0 : 1);
            List<String> samples = new ArrayList<>(output.errors());
            if (process.exitValue() != 0) {
                samples.add("pgbench exited with " + process.exitValue());
            }
            return new Measurement(output.tps(), output.transactions(), errors, samples, latency, used.seconds(), used.compilerSeconds(),
                    Double.NaN, Double.NaN, name());
        } finally {
            deleteTree(dir);
        }
    }

    static Histogram readLogs(Path dir) throws IOException {
        Histogram latency = new Histogram(3);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path log : files.filter(f -> f.getFileName().toString().startsWith("tx.")).toList()) {
                try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
                    lines.forEach(line -> PgbenchOutput.recordLogLine(line, latency));
                }
            }
        }
        return latency;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
