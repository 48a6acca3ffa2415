package io.pooler.bench.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.pooler.bench.compare.Fixtures.measurement;
import static io.pooler.bench.compare.Fixtures.round;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlotterTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @Test
    void writesOnePngWithEveryChart(@TempDir Path dir) throws Exception {
        List<Summary> summaries = Summary.of(List.of(
                round(Fixtures.SELECT_ONLY, "direct", 1, measurement(30_000, 100, 5_000, Double.NaN, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pgbouncer", 1, measurement(27_000, 200, 7_000, 2.4, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pooler", 1, measurement(25_000, 250, 9_000, 3.0, Double.NaN)),
                round(Fixtures.FIXED_RATE, "pgbouncer", 1, measurement(5_000, 300, 2_000, 1.0, Double.NaN)),
                round(Fixtures.FIXED_RATE, "pooler", 1, measurement(5_000, 300, 3_000, 1.2, Double.NaN))));

        Path file = Plotter.write(dir, summaries, "2 cores");

        byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length > 20_000, "a real picture, not an empty file: " + bytes.length + " bytes");
        byte[] signature = new byte[8];
        System.arraycopy(bytes, 0, signature, 0, 8);
        assertArrayEquals(PNG_SIGNATURE, signature);
    }

    @Test
    void fillsAnOddNumberOfCharts(@TempDir Path dir) throws Exception {
        List<Summary> summaries = Summary.of(List.of(
                round(Fixtures.SELECT_ONLY, "pgbouncer", 1, measurement(27_000, 200, 7_000, 2.4, Double.NaN)),
                round(Fixtures.SELECT_ONLY, "pooler", 1, measurement(25_000, 250, 9_000, 3.0, Double.NaN))));

        Path file = Plotter.write(dir, summaries, "2 cores");

        assertTrue(Files.size(file) > 10_000, Files.size(file) + " bytes");
    }

    @Test
    void labelsWholeNinesOnly() {
        assertEquals("90%", Plotter.percentileLabel(1.0));
        assertEquals("99.9%", Plotter.percentileLabel(3.0));
        assertEquals("0%", Plotter.percentileLabel(0.0));
        assertEquals("", Plotter.percentileLabel(1.5));
        assertEquals(2.0, Plotter.nines(99), 1e-9);
    }
}
