package io.pooler.bench.compare;

import io.pooler.bench.load.Credentials;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every scenario, small and short, driven by the bench's own client through Pooler running in this
 * JVM: the client's protocol paths (simple, prepared, TPC-B, a connection per transaction, fixed rate,
 * stepped ramp) against a real pooler and a real PostgreSQL.
 */
@ExtendWith(PostgresExtension.class)
class LoadGeneratorSmokeTest {
    private static final Duration RUN = Duration.ofSeconds(1);

    private static PostgresInstance pg;
    private static InProcessPooler pooler;

    @BeforeAll
    static void prepare(PostgresInstance instance, @TempDir Path dir) throws Exception {
        pg = instance;
        Comparison.createRoleAndDatabase(pg);
        Comparison.createTables(pg, 1);
        pooler = new InProcessPooler(pg, dir);
    }

    @AfterAll
    static void stop() {
        pooler.stop();
    }

    static List<Scenario> scenarios() {
        return Scenarios.smoke();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void runsThroughPooler(Scenario scenario) throws Exception {
        pooler.start(scenario);
        NettyDriver driver = new NettyDriver(Comparison.DATABASE, new Credentials(Comparison.USER, Comparison.PASSWORD), 1);

        Measurement m = driver.run(scenario, pooler, RUN);

        assertEquals(0, m.errors(), "errors: " + m.errorSamples());
        assertTrue(m.transactions() > 0, "no transaction completed");
        assertEquals(m.transactions(), m.latencyMicros().getTotalCount(), "one latency per transaction");
        if (!scenario.closedLoop()) {
            assertEquals(scenario.ratePerSecond(), m.tps(), scenario.ratePerSecond() * 0.3, "held the rate");
        }
    }
}
