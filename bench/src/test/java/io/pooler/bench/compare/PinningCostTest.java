package io.pooler.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pooler.bench.compare.Fixtures.measurement;
import static io.pooler.bench.compare.Fixtures.round;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PinningCostTest {

    @Test
    void theScanCostIsTheCpuDifferencePerTransaction() {
        List<Summary> summaries = Summary.of(List.of(
                // 5 s and 4 s of CPU over 100,000 transactions each: 0.050 and 0.040 s/1k tx, 10 µs per transaction.
                round(Fixtures.SELECT_ONLY, "pooler", 1, measurement(10_000, 1000, 1000, 5, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pooler-nopin", 1, measurement(10_000, 1000, 1000, 4, Double.NaN))));

        String section = PinningCost.render(summaries);

        assertTrue(section.contains("## Session-state scan"), section);
        assertTrue(section.contains("pinning on 10,000 tx/s, 0.050 CPU s/1k tx; off 10,000 tx/s, 0.040 CPU s/1k tx; "
                + "the scan: +10.0 µs of CPU per transaction, +0.0% tx/s"), section);
    }

    @Test
    void nothingWithoutBoth() {
        List<Summary> summaries = Summary.of(List.of(
                round(Fixtures.SELECT_ONLY, "pooler", 1, measurement(10_000, 1000, 1000, 5, Double.NaN))));

        assertEquals("", PinningCost.render(summaries));
    }
}
