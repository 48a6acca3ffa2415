package io.pooler.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pooler.bench.compare.Fixtures.measurement;
import static io.pooler.bench.compare.Fixtures.round;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultTableTest {

    @Test
    void rendersOneMarkdownRowPerScenarioAndTarget() {
        List<Summary> summaries = Summary.of(List.of(
                round(Fixtures.SELECT_ONLY, "direct", 1, measurement(30_000, 800, 800, Double.NaN, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pooler", 1, measurement(25_000, 1200, 1200, 5, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pooler", 2, measurement(27_000, 1200, 1200, 5, Double.NaN)),
                round(Fixtures.IDLE, "pooler", 1, measurement(2_000, 300, 300, 1, 1536))));

        List<String> lines = ResultTable.render(summaries).lines().toList();

        assertEquals(2 + 3, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(2).startsWith("| 1 | select-only, 50 clients, pool 20 | PostgreSQL 17 | 30,000 | 0.80 |"), lines.get(2));
        assertTrue(lines.get(2).contains("| - | - |"), "no pooler CPU or memory for PostgreSQL alone: " + lines.get(2));
        assertTrue(lines.get(3).startsWith("|  |  | Pooler 0.1.0 | 26,000 (25,000-27,000) | 1.20 |"), lines.get(3));
        assertTrue(lines.get(3).contains("| 0.019 |"), "median of 5 CPU s per 250,000 and per 270,000 transactions: " + lines.get(3));
        assertTrue(lines.get(4).startsWith("| 5 | 10,000 mostly idle clients"), lines.get(4));
        assertTrue(lines.get(4).endsWith("| 1.50 KB |"), lines.get(4));
    }

    @Test
    void formatsMillisecondsToThreeFigures() {
        assertEquals("0.81", ResultTable.millis(0.814));
        assertEquals("17.3", ResultTable.millis(17.29));
        assertEquals("151", ResultTable.millis(151.4));
        assertEquals("-", ResultTable.millis(Double.NaN));
    }
}
