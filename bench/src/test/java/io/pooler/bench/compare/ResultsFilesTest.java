package io.pooler.bench.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.pooler.bench.compare.Fixtures.measurement;
import static io.pooler.bench.compare.Fixtures.round;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsFilesTest {

    @Test
    void writesEveryRoundTheSummaryAndThePercentileCurves(@TempDir Path dir) throws Exception {
        List<RoundResult> rounds = List.of(
                round(Fixtures.SELECT_ONLY, "pgbouncer", 1, measurement(20_000, 500, 5000, 4, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pooler", 1, measurement(19_000, 600, 6000, 5, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pgbouncer", 2, measurement(21_000, 500, 5000, 4, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pooler", 2, measurement(18_000, 600, 6000, 5, Double.NaN)));

        ResultsFiles.write(dir, rounds, Summary.of(rounds));

        List<String> roundLines = Files.readAllLines(dir.resolve(ResultsFiles.ROUNDS));
        List<String> summaryLines = Files.readAllLines(dir.resolve(ResultsFiles.SUMMARY));
        List<String> curveLines = Files.readAllLines(dir.resolve(ResultsFiles.PERCENTILES));
        assertEquals(1 + 4, roundLines.size());
        assertEquals(1 + 2, summaryLines.size());
        int columns = summaryLines.get(0).split(",").length;
        assertTrue(summaryLines.get(1).startsWith("1,select-only,\"select-only, 50 clients, pool 20\",pgbouncer,PgBouncer 1.18.0,"),
                summaryLines.get(1));
        assertEquals(columns, summaryLines.get(1).replace("\"select-only, 50 clients, pool 20\"", "title").split(",", -1).length);
        assertTrue(curveLines.size() > 20, "a curve per target: " + curveLines.size());
        assertTrue(curveLines.stream().anyMatch(l -> l.startsWith("1,pooler,")));
    }
}
