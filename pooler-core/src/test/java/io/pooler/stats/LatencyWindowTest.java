package io.pooler.stats;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LatencyWindowTest {

    @Test
    void eachRecordingThreadGetsARecorderOfItsOwnAndTheWindowSeesThemAll() throws Exception {
        LatencyWindow window = new LatencyWindow();
        recordFrom(3, 1_000, 250, window);

        assertEquals(3, window.ownWriters());
        assertEquals(3_000, window.window().getTotalCount());
        assertEquals(250, window.window().getValueAtPercentile(50), 250 * 0.01);
    }

    @Test
    void threadsBeyondTheLimitShareOneRecorderAndAreCountedToo() throws Exception {
        LatencyWindow window = new LatencyWindow();
        recordFrom(LatencyWindow.MAX_WRITERS + 4, 100, 10, window);

        assertEquals(LatencyWindow.MAX_WRITERS, window.ownWriters());
        assertEquals((LatencyWindow.MAX_WRITERS + 4) * 100L, window.window().getTotalCount());
    }

    @Test
    void aValueLeavesTheWindowTwoPeriodsLater() throws Exception {
        LatencyWindow window = new LatencyWindow();
        recordFrom(2, 10, 100, window);
        window.rotate();
        recordFrom(1, 5, 7, window); // the same threads may be gone; new ones join
        assertEquals(25, window.window().getTotalCount());

        window.rotate();
        assertEquals(5, window.window().getTotalCount());
        window.rotate();
        assertEquals(0, window.window().getTotalCount());
        assertEquals(Percentiles.ZERO, LatencyWindow.percentiles(window.window()));
    }

    @Test
    void aNegativeDurationCountsAsZero() {
        LatencyWindow window = new LatencyWindow();
        window.record(-5);
        assertEquals(0, window.window().getMaxValue());
        assertEquals(1, window.window().getTotalCount());
    }

    /** {@code threads} threads, started together, each recording {@code count} times {@code micros}. */
    private static void recordFrom(int threads, int count, long micros, LatencyWindow window) throws Exception {
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < count; i++) {
                    window.record(micros);
                }
            });
            thread.start();
            started.add(thread);
        }
        for (Thread thread : started) {
            thread.join(10_000);
        }
    }
}
