package io.pooler.stats;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoolStatsTest {

    @Test
    void averagesArePerSecondAndPerEvent() {
        StatsTotals older = new StatsTotals(10, 10, 20, 1000, 2000, 500, 400, 100, 0, 0, 0, 0);
        StatsTotals now = new StatsTotals(30, 20, 60, 3000, 6000, 1500, 1200, 300, 0, 0, 0, 0);
        StatsAverages avg = now.averageSince(older, 2_000_000); // two seconds
        assertEquals(10, avg.serverAssignmentCount());
        assertEquals(5, avg.xactCount());
        assertEquals(20, avg.queryCount());
        assertEquals(1000, avg.bytesReceived());
        assertEquals(2000, avg.bytesSent());
        assertEquals(100, avg.xactTimeMicros(), "1000 us over 10 transactions");
        assertEquals(20, avg.queryTimeMicros(), "800 us over 40 queries");
        assertEquals(10, avg.waitTimeMicros(), "200 us over 20 assignments");
    }

    @Test
    void nothingHappenedMeansZeroAverages() {
        assertEquals(StatsAverages.ZERO, StatsTotals.ZERO.averageSince(StatsTotals.ZERO, 0));
        assertEquals(0, StatsTotals.ZERO.averageSince(StatsTotals.ZERO, 1000).queryTimeMicros());
    }

    @Test
    void theWindowStartsAtThePreviousPeriodBoundary() {
        PoolStats stats = new PoolStats();
        StatsWindow window = new StatsWindow(0);
        stats.queryStarted();
        window.rotate(List.of(stats), 1_000_000_000L);
        assertEquals(0, stats.windowStart().queryCount(), "first window starts at process start");
        stats.queryStarted();
        window.rotate(List.of(stats), 2_000_000_000L);
        assertEquals(1, stats.windowStart().queryCount(), "now starts at the first boundary");
        assertEquals(1_500_000, window.lengthMicros(2_500_000_000L));
    }

    @Test
    void percentilesCoverThePreviousAndTheRunningPeriod() {
        PoolStats stats = new PoolStats();
        StatsWindow window = new StatsWindow(0);
        for (int i = 1; i <= 100; i++) {
            stats.queryDone(i * 1_000_000L); // 1..100 ms
        }
        window.rotate(List.of(stats), 1);
        Percentiles p = stats.latency().queryPercentiles();
        assertTrue(Math.abs(p.p50() - 50_000) <= 1000, "p50 " + p.p50());
        assertTrue(Math.abs(p.p99() - 99_000) <= 1000, "p99 " + p.p99());
        stats.queryDone(200_000_000L);
        assertEquals(101, stats.latency().queryTime().getTotalCount(), "the running period counts too");
        window.rotate(List.of(stats), 2);
        assertEquals(1, stats.latency().queryTime().getTotalCount(), "the period before the previous one left the window");
        window.rotate(List.of(stats), 3);
        assertEquals(Percentiles.ZERO, stats.latency().queryPercentiles(), "out of the window");
        assertEquals(5_250_000, stats.totals().queryTimeMicros(), "totals never reset");
    }

    @Test
    void withoutPercentilesOnlyTheTotalsAreKept() {
        PoolStats stats = new PoolStats(false);
        stats.serverAssigned(5_000);
        assertEquals(1, stats.totals().serverAssignmentCount());
        assertEquals(5, stats.totals().waitTimeMicros());
        assertEquals(0, stats.latency().waitTime().getTotalCount());
    }

    @Test
    void theLogLineIsPgBouncers() {
        StatsAverages avg = new StatsAverages(1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0);
        assertEquals("stats: 2 xacts/s, 3 queries/s, 0 client parses/s, 0 server parses/s, 0 binds/s, "
                + "in 4 B/s, out 5 B/s, xact 6 us, query 7 us, wait 8 us", StatsLogLine.format(avg));
    }
}
