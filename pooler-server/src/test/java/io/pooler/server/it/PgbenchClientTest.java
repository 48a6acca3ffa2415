package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pgbench (libpq) through the pooler in transaction mode, in each of its query modes: simple,
 * extended, and prepared, whose named statements cross servers (max_prepared_statements).
 */
@PoolerTest
class PgbenchClientTest {
    private final PostgresInstance pg;
    private PoolerFixture pooler;

    PgbenchClientTest(PostgresInstance pg) {
        this.pg = pg;
    }

    @BeforeEach
    void setUp(PoolerFixture pooler) throws Exception {
        Assumptions.assumeTrue(pgbench() != null, "pgbench is not installed on this machine");
        this.pooler = pooler.user(SCRAM_USER, pg.storedPassword(SCRAM_USER))
                .set("pool_mode", "transaction").set("default_pool_size", "3").start();
        Result init = pgbench("-i", "-s", "1", "-q");
        assertEquals(0, init.exitCode, init.output);
    }

    @Test
    void tpcbLikeTransactionsInEveryQueryMode() throws Exception {
        for (String mode : List.of("simple", "extended", "prepared")) {
            // One client per pgbench thread: pgbench prepares synchronously, so a thread whose other
            // clients hold every server in open transactions would wait for itself (with PgBouncer too).
            Result run = pgbench("-M", mode, "-c", "8", "-j", "8", "-t", "40", "-n");
            assertEquals(0, run.exitCode, mode + ":\n" + run.output);
            assertTrue(run.output.contains("number of transactions actually processed: 320/320"), mode + ":\n" + run.output);
            assertTrue(run.output.contains("number of failed transactions: 0"), mode + ":\n" + run.output);
        }
    }

    private Result pgbench(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(pgbench().toString(), "-h", "127.0.0.1",
                "-p", String.valueOf(pooler.port()), "-U", SCRAM_USER));
        command.addAll(List.of(args));
        command.add(DB);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", SCRAM_PASSWORD);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "pgbench finished");
        return new Result(p.exitValue(), out);
    }

    private record Result(int exitCode, String output) {
    }

    static Path pgbench() {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/lib/postgresql/15/bin")) {
            Path p = Path.of(dir, "pgbench");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
