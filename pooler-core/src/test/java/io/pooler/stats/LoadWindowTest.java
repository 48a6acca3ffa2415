package io.pooler.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The sampled load of a pool over the stats window: shares, peaks, and the window moving on. */
class LoadWindowTest {

    @Test
    void summarisesTheSamplesOfTheWindow() {
        LoadWindow w = new LoadWindow();
        assertEquals(LoadSummary.NONE, w.summary());
        w.record(0, 1, 2, 4, 0);
        w.record(3, 4, 4, 4, 0);   // every server busy, clients queued
        w.record(1, 4, 6, 4, 2);   // the reserve open: 6 servers for pool_size 4; 2 wait timeouts so far
        w.record(0, 3, 5, 4, 2);
        LoadSummary s = w.summary();
        assertEquals(4, s.samples());
        assertEquals(3.0, s.meanActive());
        assertEquals(4, s.peakActive());
        assertEquals(1.0, s.meanWaiting());
        assertEquals(3, s.peakWaiting());
        assertEquals(0.5, s.busyShare());
        assertEquals(0.5, s.waitingShare());
        assertEquals(0.5, s.reserveShare());
        assertEquals(6, s.peakServers());
        assertEquals(2, s.waitTimeouts());
    }

    @Test
    void theWindowIsThePreviousPeriodAndTheRunningOne() {
        LoadWindow w = new LoadWindow();
        w.record(5, 2, 2, 2, 10);   // period 1
        w.rotate();
        w.record(0, 1, 2, 2, 11);   // period 2
        assertEquals(2, w.summary().samples());
        assertEquals(1, w.summary().waitTimeouts());
        w.rotate();
        w.record(0, 0, 2, 2, 11);   // period 3: period 1 has left the window
        LoadSummary s = w.summary();
        assertEquals(2, s.samples());
        assertEquals(0, s.peakWaiting());
        assertEquals(0.5, s.meanActive());
        assertEquals(1, s.waitTimeouts(), "the timeout after period 1's last sample happened in period 2");
        w.rotate();
        w.rotate();
        assertEquals(LoadSummary.NONE, w.summary());
    }
}
