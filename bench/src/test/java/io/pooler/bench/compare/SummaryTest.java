package io.pooler.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pooler.bench.compare.Fixtures.measurement;
import static io.pooler.bench.compare.Fixtures.round;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryTest {

    @Test
    void drawsTheRoundWithTheMedianP99() {
        Measurement fast = measurement(1000, 1000, 2000, 1, Double.NaN);
        Measurement stalled = measurement(1000, 1000, 900_000, 1, Double.NaN);
        Measurement middle = measurement(1000, 1000, 4000, 1, Double.NaN);

        Summary s = Summary.of(List.of(round(Fixtures.SELECT_ONLY, "pooler", 1, fast),
                round(Fixtures.SELECT_ONLY, "pooler", 2, stalled), round(Fixtures.SELECT_ONLY, "pooler", 3, middle))).get(0);

        assertEquals(middle.latencyMicros(), s.medianRound(), "neither the fast round nor the one a stall spoilt");
    }

    @Test
    void aFailedRoundIsNeverTheMedianOne() {
        Measurement ok = measurement(1000, 1000, 2000, 1, Double.NaN);
        Measurement failed = Measurement.failed("pgbench", "hung");

        Summary s = Summary.of(List.of(round(Fixtures.SELECT_ONLY, "pooler", 1, failed),
                round(Fixtures.SELECT_ONLY, "pooler", 2, ok))).get(0);

        assertEquals(ok.latencyMicros(), s.medianRound());
        assertEquals(1, s.errors());
    }

    @Test
    void reportsMedianMinAndMaxOverRounds() {
        List<RoundResult> rounds = List.of(
                round(Fixtures.SELECT_ONLY, "pooler", 1, measurement(100, 1000, 2000, 1, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pooler", 2, measurement(300, 1000, 6000, 3, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pooler", 3, measurement(200, 1000, 4000, 2, Double.NaN)));

        Summary s = Summary.of(rounds).get(0);

        assertEquals(3, s.rounds());
        assertEquals(200, s.tpsMedian(), 1e-9);
        assertEquals(100, s.tpsMin(), 1e-9);
        assertEquals(300, s.tpsMax(), 1e-9);
        assertTrue(s.p99Min() < s.p99Median() && s.p99Median() < s.p99Max(), s.p99Min() + " " + s.p99Median() + " " + s.p99Max());
        // 2 CPU seconds over 2,000 transactions in the median round
        assertEquals(1.0, s.cpuPer1000Median(), 1e-9);
    }

    @Test
    void groupsByScenarioAndTargetInOrderOfAppearance() {
        List<Summary> summaries = Summary.of(List.of(
                round(Fixtures.SELECT_ONLY, "pgbouncer", 1, measurement(100, 1000, 1000, 1, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pooler", 1, measurement(100, 1000, 1000, 1, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pgbouncer", 2, measurement(100, 1000, 1000, 1, Double.NaN)),
                round(Fixtures.FIXED_RATE, "pooler", 1, measurement(100, 1000, 1000, 1, Double.NaN))));

        assertEquals(List.of("1/pgbouncer", "1/pooler", "4/pooler"),
                summaries.stream().map(s -> s.scenario().number() + "/" + s.targetKey()).toList());
        assertEquals(2, summaries.get(0).rounds());
    }

    @Test
    void leavesUnmeasuredValuesOutOfTheMedian() {
        assertEquals(2.0, Stats.median(new double[] {Double.NaN, 1, 3}), 1e-9);
        assertTrue(Double.isNaN(Stats.median(new double[] {Double.NaN})));
        assertEquals(2.5, Stats.median(new double[] {4, 1, 2, 3}), 1e-9);
    }

    @Test
    void fitsTheSlopeOfMemoryOverClients() {
        double[] clients = {2000, 4000, 6000, 8000, 10_000};
        double[] rss = {10_000_000 + 2000 * 900.0, 10_000_000 + 4000 * 900.0 + 5000, 10_000_000 + 6000 * 900.0,
                        10_000_000 + 8000 * 900.0 - 5000, 10_000_000 + 10_000 * 900.0};

        assertEquals(900, Stats.slope(clients, rss), 2);
    }
}
