package io.pooler.bench.fleet;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Every target is measured under the same arrivals, however long its warm-up ran. */
class ArrivalsTest {
    @Test
    void theMeasuredArrivalsDoNotDependOnTheWarmUpsLength() {
        List<Long> afterShortWarmUp = measuredGaps(3);
        List<Long> afterLongWarmUp = measuredGaps(6 * 3);

        assertEquals(afterShortWarmUp, afterLongWarmUp);
        assertNotEquals(warmUpGaps(20, 0), warmUpGaps(20, 3), "the warm-up's own stream goes on where it was");
    }

    /** The gaps between the first 20 measured arrivals, from the measuring start, after {@code warmUpArrivals}. */
    private static List<Long> measuredGaps(int warmUpArrivals) {
        Arrivals arrivals = new Arrivals(new SplittableRandom(42), 4.0);
        arrivals.start(0);
        for (int i = 0; i < warmUpArrivals; i++) {
            arrivals.take();
        }
        long start = 1_000_000_000_000L;
        arrivals.startMeasured(start);
        List<Long> gaps = new ArrayList<>();
        long last = start;
        for (int i = 0; i < 20; i++) {
            long at = arrivals.take();
            gaps.add(at - last);
            last = at;
        }
        return gaps;
    }

    private static List<Long> warmUpGaps(int count, int skipped) {
        Arrivals arrivals = new Arrivals(new SplittableRandom(42), 4.0);
        arrivals.start(0);
        for (int i = 0; i < skipped; i++) {
            arrivals.take();
        }
        List<Long> gaps = new ArrayList<>();
        long last = arrivals.take();
        for (int i = 0; i < count; i++) {
            long at = arrivals.take();
            gaps.add(at - last);
            last = at;
        }
        return gaps;
    }
}
