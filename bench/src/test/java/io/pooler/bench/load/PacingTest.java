package io.pooler.bench.load;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacingTest {

    @Test
    void sharesTheRateOutOverTheClients() {
        Pacing pacing = Pacing.fixedRate(2000);

        // 10,000 clients at 2,000 a second in total: each sends every 5 s
        assertEquals(5_000_000_000L, pacing.intervalNanos(10_000));
        assertEquals(200_000_000L, pacing.intervalNanos(400));
    }

    @Test
    void spreadsTheFirstTransactionsOverTheFirstInterval() {
        Pacing pacing = Pacing.fixedRate(1000);
        SplittableRandom random = new SplittableRandom(7);
        long interval = pacing.intervalNanos(100);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 1000; i++) {
            long delay = pacing.firstDelayNanos(100, random);
            assertTrue(delay >= 0 && delay < interval);
            min = Math.min(min, delay);
            max = Math.max(max, delay);
        }
        assertTrue(min < interval / 10 && max > interval * 9 / 10, "spread over the interval: " + min + ".." + max);
    }

    @Test
    void aClosedLoopNeverWaits() {
        assertTrue(Pacing.closedLoop().isClosedLoop());
        assertEquals(0, Pacing.closedLoop().intervalNanos(50));
        assertEquals(0, Pacing.closedLoop().firstDelayNanos(50, new SplittableRandom()));
        assertThrows(IllegalArgumentException.class, () -> Pacing.fixedRate(0));
    }

    @Test
    void anIdleClientIsNoClosedLoop() {
        assertTrue(Pacing.idle().isIdle());
        assertFalse(Pacing.idle().isClosedLoop());
        assertFalse(Pacing.closedLoop().isIdle());
        assertFalse(Pacing.fixedRate(5).isIdle());
    }
}
