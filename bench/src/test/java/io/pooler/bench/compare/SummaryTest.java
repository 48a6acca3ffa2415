package io.pooler.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pooler.bench.compare.Fixtures.measurement;
import static io.pooler.bench.compare.Fixtures.round;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryTest {

    @Test
    void mergesEveryRoundsHistogram() {
        Measurement fast = measurement(1000, 1000, 1000, 1, Double.NaN); // 10,000 transactions of 1 ms
        Measurement slow = measurement(500, 9000, 9000, 1, Double.NaN);  // 5,000 of 9 ms

        Summary s = Summary.of(List.of(round(Fixtures.SELECT_ONLY, "pooler", 1, fast),
                round(Fixtures.SELECT_ONLY, "pooler", 2, slow))).get(0);

        assertEquals(15_000, s.merged().getTotalCount());
        assertEquals(1.0, s.merged().getValueAtPercentile(50) / 1000.0, 0.01);
        assertEquals(9.0, s.merged().getValueAtPercentile(90) / 1000.0, 0.01);
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
