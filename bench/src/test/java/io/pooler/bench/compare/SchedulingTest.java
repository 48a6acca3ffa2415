package io.pooler.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulingTest {

    @Test
    void rotatesTheTargetsFromRoundToRound() {
        List<String> targets = List.of("direct", "pgbouncer", "pooler");

        assertEquals(List.of("direct", "pgbouncer", "pooler"), Comparison.roundOrder(targets, 1));
        assertEquals(List.of("pgbouncer", "pooler", "direct"), Comparison.roundOrder(targets, 2));
        assertEquals(List.of("pooler", "direct", "pgbouncer"), Comparison.roundOrder(targets, 3));
        assertEquals(Comparison.roundOrder(targets, 1), Comparison.roundOrder(targets, 4));
    }

    @Test
    void everyTargetRunsFirstOnceInAsManyRoundsAsTargets() {
        List<String> targets = List.of("a", "b", "c", "d");
        List<String> firsts = List.of(1, 2, 3, 4).stream().map(r -> Comparison.roundOrder(targets, r).get(0)).toList();

        assertEquals(targets, firsts);
    }

    @Test
    void warmsUpAgainOnlyWhileAJvmsCompilerThreadsTakeMoreThanAFewPercent() {
        Measurement compiling = new Measurement(10_000, 80_000, 0, List.of(), Fixtures.latencies(100, 900, 100), 3.0, 0.6,
                Double.NaN, Double.NaN, "pgbench");
        Measurement warm = new Measurement(10_000, 80_000, 0, List.of(), Fixtures.latencies(100, 900, 100), 3.0, 0.09,
                Double.NaN, Double.NaN, "pgbench");

        assertTrue(Comparison.stillCompiling(compiling));
        assertFalse(Comparison.stillCompiling(warm));
        assertFalse(Comparison.stillCompiling(Fixtures.measurement(10_000, 100, 900, 2.0, Double.NaN)), "PgBouncer: no JIT");
        assertFalse(Comparison.stillCompiling(Measurement.failed("pgbench", "refused")));
    }

    @Test
    void theTenThousandClientScenarioWarmsUpWithATenth() {
        Scenario warmup = Comparison.warmupOf(Fixtures.IDLE);

        assertEquals(1000, warmup.clients());
        assertEquals(Fixtures.IDLE.poolSize(), warmup.poolSize());
        assertEquals(Fixtures.IDLE.ratePerSecond() / 10, warmup.ratePerSecond(), 1e-9);
        assertEquals(0, warmup.memorySteps());
        assertEquals(Fixtures.SELECT_ONLY, Comparison.warmupOf(Fixtures.SELECT_ONLY));
    }

    @Test
    void theStandardScenariosAreTheIssuesSix() {
        List<Scenario> all = Scenarios.standard();

        assertEquals(List.of(1, 2, 3, 4, 5, 6), all.stream().map(Scenario::number).toList());
        assertEquals(50, all.get(0).clients());
        assertEquals(20, all.get(0).poolSize());
        assertEquals(true, all.get(2).connectPerTransaction());
        assertEquals(1000, all.get(3).clients());
        assertEquals(10_000, all.get(4).clients());
        assertEquals(100, all.get(4).poolSize());
        assertEquals(false, all.get(4).direct(), "PostgreSQL alone cannot hold 10,000 backends");
        assertEquals(io.pooler.bench.load.Protocol.PREPARED, all.get(5).protocol());
    }

    @Test
    void smokeScenariosAreSmallAndKeepSessionPoolsWideEnough() {
        for (Scenario s : Scenarios.smoke()) {
            assertEquals(true, s.clients() <= 200, s.label());
            if (s.poolMode().equals("session")) {
                assertEquals(true, s.poolSize() >= s.clients(), "session pooling needs a server per client: " + s.label());
            }
        }
    }

    @Test
    void selectsScenariosByNumber() {
        assertEquals(List.of(1, 4), Scenarios.select(Scenarios.standard(), List.of(4, 1)).stream().map(Scenario::number).toList());
        assertEquals(6, Scenarios.select(Scenarios.standard(), List.of()).size());
    }
}
