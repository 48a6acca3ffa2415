package io.pooler.pool;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server counters behind max_db_connections and max_user_connections are shared by the pools of a
 * database (and of a user) while any exists, and dropped with the last: a name a client made up under a
 * {@code *} entry leaves nothing behind once its pool is retired.
 */
class ConnectionLimitsTest {
    private final ConnectionLimits limits = new ConnectionLimits();

    @Test
    void poolsOfOneDatabaseShareItsCounterUntilTheLastIsGone() {
        ConnectionLimits.ServerCounters alice = limits.holdServers("db", "alice");
        ConnectionLimits.ServerCounters bob = limits.holdServers("db", "bob");
        assertSame(alice.database(), bob.database(), "one max_db_connections count for the database");
        assertNotSame(alice.user(), bob.user());
        alice.database().tryAcquire(0);
        assertEquals(1, limits.serversOfDatabase("db"));

        limits.releaseServers("db", "alice");
        assertEquals(1, limits.serversOfDatabase("db"), "bob's pool still holds the database's counter");
        assertEquals(2, limits.serverCountersKept(), "db and bob");

        limits.releaseServers("db", "bob");
        assertEquals(0, limits.serverCountersKept(), "nothing kept for names no pool uses");
        assertEquals(0, limits.serversOfDatabase("db"));
        assertNotSame(alice.database(), limits.holdServers("db", "carol").database(), "a new pool, a new count");
    }

    @Test
    void clientSlotsAreCountedAgainstTheLimitAndTheirCounterGoesWithTheLastSlot() {
        assertTrue(limits.tryTakeClientOfDatabase("db", 2));
        assertTrue(limits.tryTakeClientOfDatabase("db", 2));
        assertFalse(limits.tryTakeClientOfDatabase("db", 2), "max_db_client_connections 2");
        assertTrue(limits.tryTakeClientOfUser("alice", 0), "0: no limit");
        assertEquals(2, limits.clientCountersKept());

        limits.releaseClientOfDatabase("db");
        assertTrue(limits.tryTakeClientOfDatabase("db", 2), "a slot given back is free again");
        limits.releaseClientOfDatabase("db");
        limits.releaseClientOfDatabase("db");
        limits.releaseClientOfUser("alice");
        assertEquals(0, limits.clientCountersKept(), "nothing kept for names no client holds a slot in");
    }

    @Test
    void aClientRefusedAtTheLimitTakesNothing() {
        assertTrue(limits.tryTakeClientOfUser("bob", 1));
        assertFalse(limits.tryTakeClientOfUser("bob", 1), "over max_user_client_connections 1");
        limits.releaseClientOfUser("bob");
        assertEquals(0, limits.clientCountersKept(), "the refusal counted nothing to give back");
    }
}
