package io.pooler.bench.compare;

import io.pooler.server.net.Transport;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The whole comparison, small: every scenario against PostgreSQL alone and Pooler as its own process
 * (pgbench drives scenarios 1-3 and 6 when it is installed), with the results files and the plot.
 * PgBouncer is left out so that the suite does not depend on it; {@link PgBouncerTargetTest} covers it
 * where it is installed.
 */
@ExtendWith(PostgresExtension.class)
class ComparisonSmokeTest {

    @Test
    void runsEveryScenarioAndWritesTheResults(PostgresInstance pg, @TempDir Path dir) throws Exception {
        ComparisonOptions options = new ComparisonOptions(1, Duration.ofSeconds(1), Duration.ZERO, dir.resolve("results"),
                Optional.empty(), Optional.empty(), Programs.pgbench(), Path.of("../pooler-server/target/pooler.jar"),
                Path.of("../pooler-server/src/main/dist/pooler"),
                List.of("-Xmx256m"), false, List.of(), Scenarios.smoke(), List.of("direct", "pooler"), 1, dir.resolve("work"));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        ComparisonReport report = Comparison.run(options, pg, new PrintStream(printed, true, StandardCharsets.UTF_8));

        String output = printed.toString(StandardCharsets.UTF_8);
        assertEquals(11, report.summaries().size(), "six scenarios for Pooler, five for PostgreSQL alone:\n" + output);
        for (Summary s : report.summaries()) {
            assertEquals(0, s.errors(), s.scenario().label() + " " + s.targetName() + ": " + s.errorSamples() + "\n" + output);
            assertTrue(s.tpsMedian() > 0, s.scenario().label() + " " + s.targetName());
            if (s.targetKey().equals("pooler")) {
                assertTrue(s.cpuPer1000Median() > 0, "Pooler's CPU read from /proc: " + s.scenario().label());
            }
        }
        Summary idle = report.summaries().stream().filter(s -> s.scenario().number() == 5).findFirst().orElseThrow();
        assertTrue(Double.isFinite(idle.memoryPerClientMedian()), "memory per client measured");
        for (String file : List.of(ResultsFiles.ROUNDS, ResultsFiles.SUMMARY, ResultsFiles.PERCENTILES, "results.md", Plotter.FILE)) {
            assertTrue(Files.size(options.outDir().resolve(file)) > 0, file);
        }
        assertTrue(report.markdown().contains("| 6 | extended protocol"), report.markdown());
    }

    /** Each of Pooler's transports as a target of its own, its process on that transport. */
    @Test
    void runsPoolerOnEachTransport(PostgresInstance pg, @TempDir Path dir) throws Exception {
        assumeTrue(Transport.ioUringUsable(), "io_uring is not usable here");
        ComparisonOptions options = new ComparisonOptions(1, Duration.ofSeconds(1), Duration.ZERO, dir.resolve("results"),
                Optional.empty(), Optional.empty(), Programs.pgbench(), Path.of("../pooler-server/target/pooler.jar"),
                Path.of("../pooler-server/src/main/dist/pooler"), List.of("-Xmx256m"), false, List.of(),
                Scenarios.smoke().subList(0, 1), List.of(Comparison.IO_URING, Comparison.EPOLL), 1, dir.resolve("work"));

        ComparisonReport report = Comparison.run(options, pg, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        for (String[] target : new String[][] {{Comparison.IO_URING, "io_uring"}, {Comparison.EPOLL, "epoll"}}) {
            Summary summary = report.summaries().stream().filter(s -> s.targetKey().equals(target[0])).findFirst().orElseThrow();
            assertTrue(summary.targetName().endsWith("(" + target[1] + ")"), summary.targetName());
            assertEquals(0, summary.errors(), String.valueOf(summary.errorSamples()));
            assertTrue(summary.tpsMedian() > 0);
            String log = Files.readString(options.workDir().resolve(target[0] + "-" + summary.scenario().number())
                    .resolve(target[0] + ".log"));
            assertTrue(log.contains("(" + target[1] + ")"), "its process ran on " + target[1] + ":\n" + log);
        }
    }
}
