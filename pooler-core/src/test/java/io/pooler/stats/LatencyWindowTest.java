package io.pooler.stats;

import io.pooler.testing.Threads;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;

class LatencyWindowTest {

    @Test
    void countsWhatEveryThreadRecordedEachInItsOwnRecorder() throws Exception {
        LatencyWindow window = new LatencyWindow();
        Threads.runAll(3, t -> {
            long value = 100L * (t + 1);
            for (int i = 0; i < 1_000; i++) {
                window.record(value);
            }
        });
        window.record(5_000_000); // and the reader's own thread, with a value far out of the others' range

        Histogram h = window.window();
        assertEquals(3_001, h.getTotalCount());
        assertEquals(1_000, h.getCountAtValue(100));
        assertEquals(1_000, h.getCountAtValue(300));
        assertEquals(5_000_000, h.getMaxValue(), 5_000_000 / 50.0);
    }

    @Test
    void theWindowIsThePreviousPeriodPlusTheRunningOne() {
        LatencyWindow window = new LatencyWindow();
        window.record(10);
        window.rotate();
        window.record(20);

        assertEquals(2, window.window().getTotalCount());
        window.rotate();
        assertEquals(1, window.window().getTotalCount(), "the first period is out of the window");
        window.rotate();
        assertEquals(0, window.window().getTotalCount());
    }

    @Test
    void readingTheWindowTwiceCountsNothingTwice() {
        LatencyWindow window = new LatencyWindow();
        window.record(10);

        assertEquals(1, window.window().getTotalCount());
        assertEquals(1, window.window().getTotalCount());
    }
}
