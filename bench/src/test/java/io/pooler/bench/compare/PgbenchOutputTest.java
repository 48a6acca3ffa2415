package io.pooler.bench.compare;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgbenchOutputTest {
    /** pgbench 15's summary, as it printed it through Pooler on this machine. */
    private static final String STDOUT = """
            pgbench (15.14 (Debian 15.14-0+deb12u1), server 17.11)
            transaction type: <builtin: select only>
            scaling factor: 10
            query mode: simple
            number of clients: 50
            number of threads: 2
            maximum number of tries: 1
            duration: 5 s
            number of transactions actually processed: 67974
            number of failed transactions: 0 (0.000%)
            latency average = 3.452 ms
            initial connection time = 319.522 ms
            tps = 14482.350873 (without initial connection time)
            """;

    @Test
    void readsTransactionsFailuresAndTps() {
        PgbenchOutput out = PgbenchOutput.parse(STDOUT, "");

        assertEquals(67974, out.transactions());
        assertEquals(0, out.failed());
        assertEquals(14482.350873, out.tps(), 1e-6);
        assertEquals(List.of(), out.errors());
    }

    @Test
    void collectsAbortedClients() {
        String stderr = """
                pgbench: error: client 3 script 0 aborted in command 1 query 0: FATAL:  no more connections allowed
                pgbench: error: Run was aborted; the above results are incomplete.
                """;

        PgbenchOutput out = PgbenchOutput.parse(STDOUT.replace("67974", "1200"), stderr);

        assertEquals(1200, out.transactions());
        assertEquals(2, out.errors().size());
        assertTrue(out.errors().get(0).contains("no more connections allowed"), out.errors().get(0));
    }

    @Test
    void recordsLoggedLatenciesAndSkipsFailedTransactions() {
        Histogram h = new Histogram(3);

        assertTrue(PgbenchOutput.recordLogLine("0 199 2241 0 1700000000 123456", h));
        assertTrue(PgbenchOutput.recordLogLine("1 5 812 0 1700000000 123999", h));
        assertFalse(PgbenchOutput.recordLogLine("2 6 failed 0 1700000001 5", h));
        assertFalse(PgbenchOutput.recordLogLine("", h));

        assertEquals(2, h.getTotalCount());
        assertEquals(2241, h.getMaxValue(), 2);
        assertEquals(812, h.getMinValue(), 1);
    }

    @Test
    void mergesTheLogsOfEveryPgbenchThread(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tx.4242"), "0 0 1000 0 1700000000 1\n1 0 2000 0 1700000000 2\n");
        Files.writeString(dir.resolve("tx.4242.1"), "2 0 3000 0 1700000000 3\n");
        Files.writeString(dir.resolve("stdout"), STDOUT);

        Histogram h = PgbenchDriver.readLogs(dir);

        assertEquals(3, h.getTotalCount(), "both threads' transactions, and nothing from other files");
        assertEquals(3000, h.getMaxValue(), 3);
    }

    @Test
    void buildsTheCommandLineFromTheScenario() {
        PgbenchDriver driver = new PgbenchDriver(Path.of("/usr/bin/pgbench"), "bench", "bench", "pw",
                Path.of("/tmp"));

        List<String> select = driver.command(Fixtures.SELECT_ONLY, 6432, Duration.ofSeconds(10),
                Path.of("/tmp/x/tx"));
        List<String> prepared = driver.command(Fixtures.prepared(), 6432, Duration.ofSeconds(10),
                Path.of("/tmp/x/tx"));
        List<String> perTransaction = driver.command(Scenarios.standard().get(2), 6432, Duration.ofSeconds(10),
                Path.of("/tmp/x/tx"));
        List<String> tpcb = driver.command(Scenarios.standard().get(1), 6432, Duration.ofSeconds(10),
                Path.of("/tmp/x/tx"));

        assertTrue(String.join(" ", select).contains("-c 50 -j 2 -T 10 -M simple"), String.join(" ", select));
        assertTrue(select.contains("--select-only"));
        assertTrue(prepared.containsAll(List.of("-M", "prepared")));
        assertTrue(perTransaction.contains("--connect"));
        assertFalse(tpcb.contains("--select-only"));
        assertEquals("bench", select.get(select.size() - 1));
    }
}
