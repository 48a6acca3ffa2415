package io.pooler.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueryTimerTest {
    private final PoolStats stats = new PoolStats();
    private final QueryTimer timer = new QueryTimer(stats);

    @Test
    void anAutocommitQueryIsOneQueryAndOneTransaction() throws InterruptedException {
        timer.clientMessage(true);
        Thread.sleep(2); // the query's duration, which the timer must measure
        timer.readyForQuery((byte) 'I', System.nanoTime());
        StatsTotals t = stats.totals();
        assertEquals(1, t.queryCount());
        assertEquals(1, t.xactCount());
        assertTrue(t.queryTimeMicros() >= 2000, "query time " + t.queryTimeMicros());
        assertTrue(t.xactTimeMicros() >= 2000);
    }

    @Test
    void aTransactionOfThreeStatementsIsThreeQueriesAndOneTransaction() {
        timer.clientMessage(true); // BEGIN
        timer.readyForQuery((byte) 'T', System.nanoTime());
        timer.clientMessage(true); // INSERT
        timer.readyForQuery((byte) 'T', System.nanoTime());
        assertEquals(0, stats.totals().xactTimeMicros() + stats.latency().xactTime().getTotalCount());
        timer.clientMessage(true); // COMMIT
        timer.readyForQuery((byte) 'I', System.nanoTime());
        StatsTotals t = stats.totals();
        assertEquals(3, t.queryCount());
        assertEquals(1, t.xactCount());
        assertEquals(3, stats.latency().queryTime().getTotalCount());
        assertEquals(1, stats.latency().xactTime().getTotalCount());
    }

    @Test
    void extendedProtocolMessagesUpToSyncAreOneQuery() {
        timer.clientMessage(false); // Parse
        timer.clientMessage(false); // Bind
        timer.clientMessage(false); // Execute
        timer.clientMessage(true);  // Sync
        timer.readyForQuery((byte) 'I', System.nanoTime());
        assertEquals(1, stats.totals().queryCount());
        assertEquals(1, stats.latency().queryTime().getTotalCount());
    }

    @Test
    void pipelinedRequestsEndWithTheLastAnswer() {
        timer.clientMessage(true);
        timer.clientMessage(true);
        timer.readyForQuery((byte) 'I', System.nanoTime());
        assertEquals(0, stats.latency().queryTime().getTotalCount(), "one answer is still outstanding");
        assertTrue(timer.runningNanos(System.nanoTime()) > 0);
        timer.readyForQuery((byte) 'I', System.nanoTime());
        assertEquals(1, stats.latency().queryTime().getTotalCount());
        assertEquals(0, timer.runningNanos(System.nanoTime()));
    }
}
