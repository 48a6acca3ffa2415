package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real psql (libpq) through the pooler, where the machine has it (our machines and CI do:
 * Debian's postgresql-client). libpq speaks sslmode=prefer and SCRAM like psycopg2 does.
 */
@PoolerTest
class PsqlClientTest {
    private final PostgresInstance pg;
    private PoolerFixture pooler;

    PsqlClientTest(PostgresInstance pg) {
        this.pg = pg;
    }

    @BeforeEach
    void setUp(PoolerFixture pooler) throws Exception {
        Assumptions.assumeTrue(psql() != null, "psql is not installed on this machine");
        this.pooler = pooler.user(SCRAM_USER, pg.storedPassword(SCRAM_USER)).start();
    }

    @Test
    void psqlLogsInWithScramAndRunsQueries() throws Exception {
        Result r = psql(SCRAM_PASSWORD, "select current_user, 40 + 2");
        assertEquals(0, r.exitCode, r.output);
        assertEquals(SCRAM_USER + "|42", r.output.strip());
    }

    @Test
    void psqlWithWrongPasswordGetsPgBouncersMessage() throws Exception {
        Result r = psql("wrong", "select 1");
        assertEquals(2, r.exitCode, r.output);
        assertTrue(r.output.contains("FATAL:  SASL authentication failed"), r.output);
    }

    private Result psql(String password, String sql) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of(psql().toString(), "-X", "-At", "-h", "127.0.0.1",
                "-p", String.valueOf(pooler.port()), "-U", SCRAM_USER, "-d", DB, "-c", sql));
        pb.environment().put("PGPASSWORD", password);
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    private record Result(int exitCode, String output) {
    }

    static Path psql() {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/lib/postgresql/15/bin")) {
            Path p = Path.of(dir, "psql");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
