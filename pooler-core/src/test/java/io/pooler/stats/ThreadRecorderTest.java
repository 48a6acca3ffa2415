package io.pooler.stats;

import io.pooler.testing.Threads;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadRecorderTest {

    @Test
    void aTakeHandsOverEveryValueOnceAndLeavesAnEmptyHistogramOfTheSameRange() {
        ThreadRecorder recorder = new ThreadRecorder(2);
        recorder.record(150);
        recorder.record(150);
        recorder.record(3_000_000_000L); // far beyond the first range: the writer's histogram grows
        long range = recorder.highestTrackableValue();
        assertTrue(range >= 3_000_000_000L, "grown to " + range);

        Histogram first = new Histogram(2);
        recorder.takeInto(first);
        assertEquals(3, first.getTotalCount());
        assertEquals(2, first.getCountAtValue(150));
        assertEquals(3_000_000_000L, first.getMaxValue(), 3_000_000_000L / 50.0);
        assertEquals(range, recorder.highestTrackableValue(),
                "the next period's histogram is made by the reader with the same range: the writer never grows one again");

        Histogram second = new Histogram(2);
        recorder.takeInto(second);
        assertEquals(0, second.getTotalCount(), "nothing is handed over twice");

        recorder.record(7);
        recorder.takeInto(second);
        assertEquals(1, second.getCountAtValue(7));
    }

    /** The writer records while the reader takes, as an event loop and the stats timer do: no value lost or counted twice. */
    @Test
    void valuesRecordedWhileAReaderTakesAreEachCountedOnce() throws Exception {
        ThreadRecorder recorder = new ThreadRecorder(2);
        int values = 2_000_000;
        Histogram taken = new Histogram(2);
        Threads.runAll(2, t -> {
            if (t == 0) {
                for (int i = 0; i < values; i++) {
                    recorder.record(1 + i % 5_000);
                }
            } else {
                for (int i = 0; i < 2_000; i++) {
                    recorder.takeInto(taken);
                }
            }
        });
        recorder.takeInto(taken);

        assertEquals(values, taken.getTotalCount());
        assertEquals(values / 5_000, taken.getCountAtValue(1));
    }
}
