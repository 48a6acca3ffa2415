package io.pooler.pool;

import io.pooler.pool.HandDrivenShards.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Freeing a pool nobody uses (autodb_idle_timeout), with time moved by hand ({@link HandDrivenShards}):
 * its clients and its server slots hold it, it retires only once none has for the whole time asked,
 * and a retired pool takes no client and launches no server.
 */
class PoolRetirementTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final HandDrivenShards h = new HandDrivenShards(new Settings().poolSize(2));

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void aPoolIsHeldByItsClientsAndServersAndRetiresOnlyOnceUnusedForTheWholeTimeout() {
        assertTrue(h.pool.tryEnter(), "a client enters");
        RecordingClient client = h.loggedInClient(h.loopA);
        assertEquals(1, h.pool.serverCount());
        h.advance(TIMEOUT.multipliedBy(2));
        assertFalse(h.pool.tryRetire(Duration.ZERO), "held by its client and its server");

        h.pool.clientClosed(client);
        h.pool.leave();
        h.settle();
        assertFalse(h.pool.tryRetire(Duration.ZERO), "still held by its idle server");

        h.launched.get(0).close("test");
        h.settle();
        assertEquals(0, h.pool.serverCount());
        h.advance(TIMEOUT.minusSeconds(1));
        assertFalse(h.pool.tryRetire(TIMEOUT), "unused since the server closed, not since the client left");
        assertFalse(h.pool.stats().ofFreedPool(), "its stats are exported while it is not freed");
        h.advance(Duration.ofSeconds(1));
        assertTrue(h.pool.tryRetire(TIMEOUT), "unused for the whole timeout");
        assertTrue(h.pool.retired());
        assertTrue(h.pool.stats().ofFreedPool(), "marked before anyone hears of it, so no exporter binds them again");
        assertFalse(h.pool.tryRetire(TIMEOUT), "retired once");
    }

    @Test
    void aRetiredPoolTakesNoClientAndLaunchesNoServer() {
        assertTrue(h.pool.tryRetire(Duration.ZERO), "never used: retired at once when asked so");
        assertFalse(h.pool.tryEnter(), "a client that found it must ask the registry for a new one");
        assertFalse(h.pool.tryTakeServerSlot(2), "no server for a pool nobody can reach");
        assertEquals(0, h.pool.serverCount());
    }

    @Test
    void aSlotNotTakenForLackOfRoomDoesNotHoldThePool() {
        assertTrue(h.pool.tryTakeServerSlot(1));
        assertFalse(h.pool.tryTakeServerSlot(1), "pool_size 1 used up");
        h.pool.releaseServerSlot();
        assertTrue(h.pool.tryRetire(Duration.ZERO), "the refused slot left no holder behind");
    }

    @Test
    void aSlotGivenBackAboveTheLimitStopsHoldingThePool() {
        assertTrue(h.pool.tryTakeServerSlot(2));
        assertTrue(h.pool.tryTakeServerSlot(2));
        assertTrue(h.pool.tryGiveBackServerSlotAbove(1));
        assertFalse(h.pool.tryRetire(Duration.ZERO), "one slot still held");
        h.pool.releaseServerSlot();
        assertTrue(h.pool.tryRetire(Duration.ZERO));
    }
}
