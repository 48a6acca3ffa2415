package io.pooler.bench.fleet;

import io.pooler.bench.compare.Programs;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fleet comparison, small: two hosts of three workers, a cron worker and a gevent process against
 * Pooler (and PgBouncer where it is installed) on the kit's conf/odoo/pooler.ini as the full run adapts
 * it, each as its own process. Every part of the traffic must have run, with no error.
 */
@ExtendWith(PostgresExtension.class)
class FleetSmokeTest {
    /** 2 hosts x ((3 workers + 1 cron) x 3 + 3 gevent + 2 LISTENers) = 34 client connections; light enough for a loaded machine. */
    static final FleetShape SMALL = new FleetShape(2, 3, 1, 3, 3, 0.5, 1.0, 0.3, 5);

    @Test
    void smallFleetRunsOnTheKitsIniWithoutErrors(PostgresInstance pg, @TempDir Path dir) throws Exception {
        List<String> targets = Programs.pgbouncer().isPresent() ? List.of("pgbouncer", "pooler") : List.of("pooler");
        FleetBench.Options options = new FleetBench.Options(List.of(SMALL), targets, 1, Duration.ofSeconds(1),
                Duration.ofSeconds(4), Path.of("../conf/odoo"), dir.resolve("results"), Programs.pgbouncer(),
                Path.of("../pooler-server/target/pooler.jar"), List.of("-Xmx256m"), dir.resolve("work"));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        List<FleetMeasurement> all = FleetBench.run(options, pg, new PrintStream(printed, true, StandardCharsets.UTF_8));

        String output = printed.toString(StandardCharsets.UTF_8);
        assertEquals(targets.size(), all.size(), output);
        for (FleetMeasurement m : all) {
            String who = m.targetName() + ":\n" + output;
            assertFalse(m.failed(), who);
            FleetResult r = m.result();
            assertEquals(0, m.errors(), who);
            assertTrue(r.requests() > 5, "HTTP requests ran: " + who);
            assertTrue(r.notifies() > 0 && r.notificationsReceived() > 0, "notified and heard through LISTEN: " + who);
            assertTrue(r.busReads() > 0, "the gevent processes read the bus: " + who);
            assertTrue(r.cronJobs() > 0, "the cron workers ran: " + who);
            assertTrue(r.waitMicros().getTotalCount() > r.requests(), "every transaction's BEGIN timed: " + who);
            // Read a moment apart at the interval's ends: a BEGIN answered in between counts in one only.
            assertTrue(Math.abs(r.waitMicros().getTotalCount() - r.statementMicros().get("BEGIN").getTotalCount()) <= 2,
                    "every BEGIN's round trip also counted by kind: " + who);
            assertTrue(r.statementMicros().containsKey("COMMIT") && r.statementMicros().containsKey(StatementRoundTrips.NOTIFY_QUERY),
                    "commits and the notify's query timed: " + who + " " + r.statementMicros().keySet());
            assertTrue(m.maxPostgresServers() >= SMALL.hosts() * SMALL.listenersPerHost(),
                    "a session server per LISTENer: " + who);
            assertTrue(m.maxServers() <= FleetIni.SERVER_BUDGET, who);
            assertTrue(m.cpuPercent() > 0 && m.maxRssBytes() > 0, "the pooler's CPU and RSS read from /proc: " + who);
            assertTrue(m.compilerCpuPercent() >= 0, "the JIT compiler's CPU read (0 without one): " + who);
            long warmUps = output.lines().filter(l -> l.startsWith("  warm-up  " + m.targetName())).count();
            if (m.targetKey().equals("pooler")) {
                // A fresh JVM's first second of load is mostly its compiler's: the load goes on.
                assertTrue(warmUps >= 2, "the warm-up repeated while Pooler's JIT compiler was busy: " + who);
            } else {
                assertEquals(0, m.compilerCpuPercent(), who);
                assertEquals(1, warmUps, "PgBouncer has no JIT compiler to wait for: " + who);
            }
        }
        System.out.println(output);
        assertTrue(Files.readString(options.outDir().resolve(FleetReport.FILE)).contains("| 34 | "));
        assertTrue(Files.readString(options.outDir().resolve(FleetReport.FILE)).contains("## Round trips per statement"));
        assertEquals(targets.size() + 1, Files.readAllLines(options.outDir().resolve(FleetReport.CSV)).size());
    }
}
