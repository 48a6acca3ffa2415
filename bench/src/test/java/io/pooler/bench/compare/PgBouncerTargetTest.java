package io.pooler.bench.compare;

import io.pooler.bench.load.Credentials;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** PgBouncer started from the generated ini and userlist, as root too; only where PgBouncer is installed. */
@ExtendWith(PostgresExtension.class)
class PgBouncerTargetTest {

    @Test
    void servesTheBenchClientWithTheSameScramVerifier(PostgresInstance pg, @TempDir Path dir) throws Exception {
        Optional<Path> binary = Programs.pgbouncer();
        assumeTrue(binary.isPresent(), "PgBouncer is not installed (apt-get install -y pgbouncer)");
        Comparison.createRoleAndDatabase(pg);
        Comparison.createTables(pg, 1);
        ProcessTarget.Backend backend = new ProcessTarget.Backend(pg.host(), pg.port(), Comparison.DATABASE,
                Comparison.USER, pg.storedPassword(Comparison.USER));
        Scenario scenario = Scenarios.smoke().get(0);

        try (PgBouncerTarget pgbouncer = new PgBouncerTarget(dir, backend, binary.get(), "pgbouncer")) {
            pgbouncer.start(scenario);
            Measurement m = new NettyDriver(Comparison.DATABASE, new Credentials(Comparison.USER, Comparison.PASSWORD), 1)
                    .run(scenario, pgbouncer, Duration.ofSeconds(1));

            assertTrue(pgbouncer.name().startsWith("PgBouncer 1."), pgbouncer.name());
            assertEquals(0, m.errors(), m.errorSamples().toString());
            assertTrue(m.transactions() > 0);
            assertTrue(m.poolerCpuSeconds() >= 0, "PgBouncer's own CPU read from /proc");
            long pid = pgbouncer.pid().orElseThrow();
            assertEquals(pid, ProcessStats.sessionId(pid), "PgBouncer leads a session of its own, as a daemon does");
        }
    }
}
