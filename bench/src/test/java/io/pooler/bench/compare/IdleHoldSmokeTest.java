package io.pooler.bench.compare;

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

/**
 * The hold test, small and short: a few clients held for seconds on Pooler as its own process, with the
 * heap histograms. Checks that it runs and that its figures are real; the targets need the full size.
 */
@ExtendWith(PostgresExtension.class)
class IdleHoldSmokeTest {

    @Test
    void holdsClientsAndPrintsTheFigures(PostgresInstance pg, @TempDir Path dir) throws Exception {
        int clients = 40;
        IdleHoldOptions options = new IdleHoldOptions(clients, 10, 5, Duration.ofSeconds(3), Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), "pooler",
                Path.of("../pooler-server/target/pooler.jar"), Path.of("../pooler-server/src/main/dist/pooler"),
                List.of("-Xmx128m"), Optional.empty(), dir.resolve("work"), Optional.of(dir.resolve("heap")));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        IdleHoldReport report = IdleHold.run(options, pg, new PrintStream(printed, true, StandardCharsets.UTF_8));

        String output = printed.toString(StandardCharsets.UTF_8);
        assertEquals(0, report.errors(), report.errorSamples() + "\n" + output);
        assertEquals(4, report.activeClients());
        assertTrue(report.trickleQueries() > 0, "the active clients sent queries:\n" + output);
        assertTrue(report.baseline().rssBytes() > 0 && report.late().rssBytes() > 0, output);
        assertTrue(report.early().openFiles() >= report.baseline().openFiles() + clients,
                "a socket per held client:\n" + output);
        assertTrue(report.afterDisconnect().openFiles() < report.early().openFiles(), "sockets closed:\n" + output);
        assertTrue(output.contains("RSS minute 1") && output.contains("after all disconnected"), output);
        assertTrue(output.contains("bytes per client"), "the heap histograms' growth per client:\n" + output);
        assertTrue(Files.size(dir.resolve("heap.held.txt")) > 0);
    }
}
