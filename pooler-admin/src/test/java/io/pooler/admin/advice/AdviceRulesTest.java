package io.pooler.admin.advice;

import io.pooler.config.PoolMode;
import io.pooler.stats.LoadSummary;
import io.pooler.stats.Percentiles;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each rule of SHOW ADVICE on a scripted stats snapshot: what it advises, and when it keeps quiet. */
class AdviceRulesTest {

    /** A pool's window as a test scripts it; every field starts at a quiet transaction pool of 20. */
    private static final class Scripted {
        PoolMode mode = PoolMode.TRANSACTION;
        int poolSize = 20;
        int reserve = 0;
        long reserveTimeoutMicros = 5_000_000;
        int maxDb = 0;
        int otherDbServers = 0;
        int maxUser = 0;
        int otherUserServers = 0;
        long queryWaitTimeoutMicros = 120_000_000;
        long windowMicros = 60_000_000;
        double xactPerSecond = 100;
        long meanXactMicros = 2_000;
        long meanWaitMicros = 0;
        Percentiles wait = new Percentiles(0, 0, 0);
        int samples = 60;
        double meanActive = 0.2;
        int peakActive = 3;
        double meanWaiting = 0;
        int peakWaiting = 0;
        double busyShare = 0;
        double waitingShare = 0;
        double reserveShare = 0;
        int peakServers = 5;
        long waitTimeouts = 0;

        PoolLoad load() {
            long xacts = Math.round(xactPerSecond * windowMicros / 1e6);
            return new PoolLoad("shop", "app", mode, poolSize, "default_pool_size", reserve, "reserve_pool_size",
                    reserveTimeoutMicros, maxDb, "max_db_connections", otherDbServers, maxUser, "max_user_connections",
                    otherUserServers, queryWaitTimeoutMicros, windowMicros, xacts, meanXactMicros, xacts, meanWaitMicros,
                    wait, new Percentiles(meanXactMicros, meanXactMicros * 2, meanXactMicros * 3),
                    new LoadSummary(samples, meanActive, peakActive, meanWaiting, peakWaiting, busyShare, waitingShare,
                            reserveShare, peakServers, waitTimeouts));
        }

        /** The undersized pool of the end-to-end test: 2 servers, 95 transactions/s of 21 ms, each queued 190 ms first. */
        static Scripted undersized() {
            Scripted s = new Scripted();
            s.poolSize = 2;
            s.xactPerSecond = 95;
            s.meanXactMicros = 211_000;
            s.meanWaitMicros = 190_000;
            s.wait = new Percentiles(180_000, 300_000, 380_000);
            s.meanActive = 2;
            s.peakActive = 2;
            s.meanWaiting = 17;
            s.peakWaiting = 18;
            s.busyShare = 1;
            s.waitingShare = 0.95;
            s.peakServers = 2;
            return s;
        }
    }

    private static Advice only(List<Advice> rows) {
        assertEquals(1, rows.size(), rows.toString());
        return rows.get(0);
    }

    private static Advice row(List<Advice> rows, String setting) {
        return rows.stream().filter(a -> setting.equals(a.setting())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + setting + " row in " + rows));
    }

    @Test
    void quietPoolNeedsNoChange() {
        Advice a = only(AdviceRules.advise(new Scripted().load()));
        assertFalse(a.isChange());
        assertNull(a.suggestedValue());
        assertEquals("no change: 100 transactions/s x 2.0 ms per transaction = 0.2 servers needed (Little's law), pool_size 20;"
                + " clients queued in 0% of samples, p99 wait 0.0 ms", a.reason());
    }

    @Test
    void tooLittleTrafficIsNotJudged() {
        Scripted s = Scripted.undersized();
        s.xactPerSecond = 0.1;
        s.waitingShare = 0.05;
        Advice a = only(AdviceRules.advise(s.load()));
        assertFalse(a.isChange());
        assertTrue(a.reason().startsWith("no change: too little traffic in the window to judge (6 transactions"), a.reason());
    }

    @Test
    void queueingPoolGrowsToLittlesLawWithHeadroom() {
        Advice a = only(AdviceRules.advise(Scripted.undersized().load()));
        // 95/s x 211 ms = 20.0 servers; x 1.25 = 25.06 -> 26.
        assertEquals("default_pool_size", a.setting());
        assertEquals("2", a.currentValue());
        assertEquals("26", a.suggestedValue());
        assertEquals("clients queued in 95% of samples (p99 wait 380 ms), servers all busy in 100% of samples: "
                + "95 transactions/s x 211 ms per transaction (190 ms of it waiting for a server) = 20.0 servers needed"
                + " (Little's law), "
                + "x 1.25 headroom = 26", a.reason());
    }

    @Test
    void shortWaitsAreNotWorthAServer() {
        Scripted s = Scripted.undersized();
        s.wait = new Percentiles(1_000, 3_000, 4_000);
        assertFalse(only(AdviceRules.advise(s.load())).isChange());
    }

    @Test
    void growthStopsAtMaxDbConnectionsWhichIsAdvisedToo() {
        Scripted s = Scripted.undersized();
        s.maxDb = 24;
        s.otherDbServers = 4;
        List<Advice> rows = AdviceRules.advise(s.load());
        assertEquals(2, rows.size(), rows.toString());
        Advice pool = row(rows, "default_pool_size");
        assertEquals("20", pool.suggestedValue());
        assertTrue(pool.reason().endsWith("= 26, limited to 20 by the connection limit"), pool.reason());
        Advice limit = row(rows, "max_db_connections");
        assertEquals("24", limit.currentValue());
        assertEquals("30", limit.suggestedValue());
        assertEquals("default_pool_size should be 26, but max_db_connections 24 leaves this pool 20 (4 servers open in"
                + " the database's other pools): raise it to 30 if PostgreSQL's max_connections has room for 6 more",
                limit.reason());
    }

    @Test
    void theTighterOfTheTwoLimitsIsTheOneAdvised() {
        Scripted s = Scripted.undersized();
        s.maxDb = 40;
        s.maxUser = 30;
        s.otherUserServers = 12;
        Advice limit = row(AdviceRules.advise(s.load()), "max_user_connections");
        assertEquals("30", limit.currentValue());
        assertEquals("38", limit.suggestedValue()); // room 18, target 26
    }

    @Test
    void aPoolAlreadyAtItsLimitGetsOnlyTheLimitRow() {
        Scripted s = Scripted.undersized();
        s.poolSize = 20;
        s.maxDb = 20;
        Advice a = only(AdviceRules.advise(s.load()));
        assertEquals("max_db_connections", a.setting());
    }

    @Test
    void aReserveInUseMostOfTheTimeMovesIntoPoolSize() {
        Scripted s = new Scripted();
        s.reserve = 4;
        s.reserveShare = 0.6;
        s.peakServers = 24;
        s.xactPerSecond = 900;
        s.meanXactMicros = 20_000; // 18 servers needed, x 1.25 = 22.5 -> 23, but 24 were in use
        s.meanActive = 18;
        Advice a = only(AdviceRules.advise(s.load()));
        assertEquals("default_pool_size", a.setting());
        assertEquals("24", a.suggestedValue());
        assertTrue(a.reason().startsWith("the reserve was in use in 60% of samples (up to 24 servers for pool_size 20)"),
                a.reason());
    }

    @Test
    void burstsLongerThanTheReserveTimeoutGetAReserve() {
        Scripted s = new Scripted();
        s.waitingShare = 0.04;
        s.peakWaiting = 6;
        s.peakServers = 20;
        s.wait = new Percentiles(0, 0, 6_200_000);
        Advice a = only(AdviceRules.advise(s.load()));
        assertEquals("reserve_pool_size", a.setting());
        assertEquals("0", a.currentValue());
        assertEquals("6", a.suggestedValue());
        assertEquals("clients queued only in bursts (4% of samples, up to 6 at once), and p99 wait 6.2 s passed "
                + "reserve_pool_timeout 5.0 s with the reserve (0) used up: 6 reserve servers serve such a burst", a.reason());
    }

    @Test
    void burstsShorterThanTheReserveTimeoutNeedNoReserve() {
        Scripted s = new Scripted();
        s.waitingShare = 0.04;
        s.peakWaiting = 6;
        s.peakServers = 20;
        s.wait = new Percentiles(0, 0, 2_000_000);
        assertFalse(only(AdviceRules.advise(s.load())).isChange());
    }

    @Test
    void waitsNearQueryWaitTimeoutRaiseIt() {
        Scripted s = Scripted.undersized();
        s.queryWaitTimeoutMicros = 60_000_000;
        s.wait = new Percentiles(20_000_000, 35_000_000, 40_000_000);
        s.meanWaitMicros = 20_000_000;
        List<Advice> rows = AdviceRules.advise(s.load());
        Advice a = row(rows, "query_wait_timeout");
        assertEquals("60", a.currentValue());
        assertEquals("90", a.suggestedValue()); // max(2 x 40 s, 1.5 x 60 s)
        assertEquals("p99 wait 40 s is 67% of query_wait_timeout 60 s: raise it to 90 s unless the clients give up "
                + "sooner (Odoo: limit_time_real), and give the pool the servers it lacks", a.reason());
        row(rows, "default_pool_size");
    }

    @Test
    void clientsFailedByQueryWaitTimeoutRaiseIt() {
        Scripted s = new Scripted();
        s.queryWaitTimeoutMicros = 10_000_000;
        s.waitTimeouts = 3;
        Advice a = only(AdviceRules.advise(s.load()));
        assertEquals("query_wait_timeout", a.setting());
        assertEquals("15", a.suggestedValue());
        assertTrue(a.reason().contains(", and 3 clients were failed by it in the window:"), a.reason());
    }

    @Test
    void noQueryWaitTimeoutNoAdviceOnIt() {
        Scripted s = new Scripted();
        s.queryWaitTimeoutMicros = 0;
        s.waitTimeouts = 3;
        assertFalse(only(AdviceRules.advise(s.load())).isChange());
    }

    @Test
    void sessionPoolsCountClientsHoldingAndQueued() {
        Scripted s = Scripted.undersized();
        s.mode = PoolMode.SESSION;
        s.poolSize = 18;
        s.meanActive = 18;
        s.meanWaiting = 4;
        Advice a = only(AdviceRules.advise(s.load()));
        assertEquals("28", a.suggestedValue()); // (18 + 4) x 1.25 = 27.5
        assertTrue(a.reason().contains("18.0 servers busy + 4.0 clients queued on average = 22.0 servers needed"), a.reason());
    }

    @Test
    void durationsReadAsAnOperatorWould() {
        assertEquals("0.4 ms", AdviceRules.duration(400));
        assertEquals("2.1 ms", AdviceRules.duration(2_100));
        assertEquals("380 ms", AdviceRules.duration(380_000));
        assertEquals("1.2 s", AdviceRules.duration(1_200_000));
        assertEquals("34 s", AdviceRules.duration(34_000_000));
    }
}
