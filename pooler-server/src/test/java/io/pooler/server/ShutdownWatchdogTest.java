package io.pooler.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pooler.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The watchdog's two bounds, with short ones and the stall recorded instead of halting the JVM. */
class ShutdownWatchdogTest {
    private static final long STALE_MILLIS = 300;
    private static final long FINISH_MILLIS = 1000;

    private final List<String> stalls = new CopyOnWriteArrayList<>();
    private final ShutdownWatchdog watchdog = new ShutdownWatchdog(STALE_MILLIS, FINISH_MILLIS, stalls::add);

    @Test
    void aWaitWhoseChecksStopIsAStall() {
        watchdog.arm();
        watchdog.waiting();

        Await.until(Duration.ofSeconds(5), () -> !stalls.isEmpty(), "a stall reported");
        assertTrue(stalls.get(0).contains("has not completed a check"), stalls.get(0));
    }

    @Test
    void aWaitWhoseChecksGoOnIsNotAStallHoweverLongItLasts() throws InterruptedException {
        watchdog.arm();
        watchdog.waiting();
        long end = System.nanoTime() + Duration.ofMillis(4 * STALE_MILLIS).toNanos();
        while (System.nanoTime() < end) {
            watchdog.checked();
            Thread.sleep(20); // the pace of the shutdown's checks (100 ms in the server)
        }

        assertEquals(List.of(), stalls);
    }

    @Test
    void closingEverythingThatDoesNotEndTheProcessIsAStall() throws InterruptedException {
        watchdog.arm();
        watchdog.waiting();
        watchdog.checked();
        watchdog.finishing();
        Thread.sleep(STALE_MILLIS + 100); // past the wait's bound: checks no longer matter once it closes

        assertEquals(List.of(), stalls, "not before the close's own bound");
        Await.until(Duration.ofSeconds(5), () -> !stalls.isEmpty(), "a stall reported");
        assertTrue(stalls.get(0).contains("still running"), stalls.get(0));
        assertEquals(1, stalls.size());
    }

    @Test
    void unarmedItNeverActs() throws InterruptedException {
        watchdog.waiting();
        watchdog.finishing();
        Thread.sleep(FINISH_MILLIS + STALE_MILLIS); // past both bounds: an in-process server's JVM is left alone

        assertEquals(List.of(), stalls);
    }
}
