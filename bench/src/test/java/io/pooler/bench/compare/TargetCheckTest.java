package io.pooler.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pooler.bench.compare.Fixtures.measurement;
import static io.pooler.bench.compare.Fixtures.round;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetCheckTest {

    @Test
    void saysWhichTargetsAreMetAndByHowMuchOthersAreMissed() {
        List<RoundResult> rounds = List.of(
                round(Fixtures.SELECT_ONLY, "pgbouncer", 1, measurement(20_000, 1000, 1000, 4, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pooler", 1, measurement(15_000, 1000, 1000, 6, Double.NaN)),
                round(Fixtures.FIXED_RATE, "pgbouncer", 1, measurement(5_000, 1000, 2000, 1, Double.NaN)),
                round(Fixtures.FIXED_RATE, "pooler", 1, measurement(5_000, 1000, 1500, 1, Double.NaN)),
                round(Fixtures.IDLE, "pgbouncer", 1, measurement(2_000, 300, 300, 1, 870)),
                round(Fixtures.IDLE, "pooler", 1, measurement(2_000, 300, 300, 1, 3072)));

        List<TargetCheck> checks = TargetCheck.evaluate(rounds, "pooler", "pgbouncer");

        assertEquals(5, checks.size(), TargetCheck.render(checks));
        TargetCheck tps = checks.get(0);
        assertFalse(tps.met());
        assertTrue(tps.detail().contains("missed by 25.0%"), tps.detail());
        // 6 s / 150,000 tx against 4 s / 200,000 tx: twice the CPU per transaction
        assertFalse(checks.get(1).met());
        assertTrue(checks.get(1).detail().contains("+100.0%"), checks.get(1).detail());
        assertTrue(checks.get(2).met(), "p99 " + checks.get(2).detail());
        assertTrue(checks.get(3).met(), "no errors");
        assertFalse(checks.get(4).met());
        assertTrue(checks.get(4).detail().contains("3.00 KB, PgBouncer 0.85 KB, over by 1.00 KB"), checks.get(4).detail());
        assertTrue(TargetCheck.render(checks).contains("- MISSED: scenario 1: TPS at least PgBouncer's"));
    }

    @Test
    void saysWhenTheMediansDifferLessThanTheRoundsDo() {
        // Medians 300 against 290 (met), but round 2 went the other way: 310/290 = 1.07, 280/300 = 0.93.
        List<RoundResult> rounds = List.of(
                round(Fixtures.NEW_CONNECTIONS, "pgbouncer", 1, measurement(290, 1000, 1000, 1, Double.NaN)),
                round(Fixtures.NEW_CONNECTIONS, "pooler", 1, measurement(310, 1000, 1000, 1, Double.NaN)),
                round(Fixtures.NEW_CONNECTIONS, "pooler", 2, measurement(280, 1000, 1000, 1, Double.NaN)),
                round(Fixtures.NEW_CONNECTIONS, "pgbouncer", 2, measurement(300, 1000, 1000, 1, Double.NaN)),
                round(Fixtures.NEW_CONNECTIONS, "pgbouncer", 3, measurement(270, 1000, 1000, 1, Double.NaN)),
                round(Fixtures.NEW_CONNECTIONS, "pooler", 3, measurement(300, 1000, 1000, 1, Double.NaN)));

        TargetCheck tps = TargetCheck.evaluate(rounds, "pooler", "pgbouncer").get(0);

        assertTrue(tps.met(), tps.detail());
        assertTrue(tps.detail().endsWith("+3.4%; round by round 0.93x-1.11x, level within the rounds' spread"), tps.detail());
    }

    @Test
    void aDifferenceEveryRoundAgreesWithIsNotLevel() {
        List<RoundResult> rounds = List.of(
                round(Fixtures.NEW_CONNECTIONS, "pgbouncer", 1, measurement(290, 1000, 1000, 1, Double.NaN)),
                round(Fixtures.NEW_CONNECTIONS, "pooler", 1, measurement(300, 1000, 1000, 1, Double.NaN)),
                round(Fixtures.NEW_CONNECTIONS, "pooler", 2, measurement(250, 1000, 1000, 1, Double.NaN)),
                round(Fixtures.NEW_CONNECTIONS, "pgbouncer", 2, measurement(240, 1000, 1000, 1, Double.NaN)));

        TargetCheck tps = TargetCheck.evaluate(rounds, "pooler", "pgbouncer").get(0);

        assertTrue(tps.detail().endsWith("; round by round 1.03x-1.04x"), tps.detail());
    }

    @Test
    void checksNothingWithoutPgBouncer() {
        List<RoundResult> rounds = List.of(
                round(Fixtures.SELECT_ONLY, "pooler", 1, measurement(15_000, 1000, 1000, 6, Double.NaN)));

        assertEquals(List.of(), TargetCheck.evaluate(rounds, "pooler", "pgbouncer"));
    }
}
