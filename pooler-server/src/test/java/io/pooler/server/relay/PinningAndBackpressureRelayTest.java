package io.pooler.server.relay;

import io.pooler.server.relay.RelayHarness.ClientEnd;
import io.pooler.server.relay.RelayHarness.ServerEnd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pooler.server.relay.RelayHarness.PSQL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pin_on_session_state and backpressure through the real relays ({@link RelayHarness}): session state
 * keeps a server across transactions until the client clears it, a client leaving with session state
 * has its server reset before anyone else gets it, and each side stops reading while the other cannot
 * take more.
 */
class PinningAndBackpressureRelayTest {
    /** Writability bit a test may turn off, as Netty allows (bit 0 is the write buffer's own). */
    private static final int TEST_WRITABILITY_BIT = 1;

    private final RelayHarness pooler = new RelayHarness();

    @AfterEach
    void tearDown() {
        pooler.close();
    }

    // ---- pinning ----

    @Test
    void aSessionSetPinsTheServerUntilResetAll() {
        ClientEnd pinned = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        ClientEnd other = pooler.loggedInClient(pinned.loop());

        pinned.send(Wire.query("set work_mem = '64MB'"));
        server.received();
        server.answer(Wire.commandComplete("SET"), Wire.READY_IDLE);
        assertEquals("CZ", Wire.types(pinned.received()));
        assertEquals(1, pooler.counts().svActive(), "ReadyForQuery 'I', but the session holds a SET: still linked");

        other.send(PSQL.frontend().get(0));
        assertEquals(1, pooler.counts().clWaiting(), "the other client waits for the pinned server");

        pinned.send(Wire.query("reset all"));
        assertEquals("Q", Wire.types(server.received()));
        server.answer(Wire.commandComplete("RESET"), Wire.READY_IDLE);
        assertEquals("CZ", Wire.types(pinned.received()));
        // The scan cannot know the RESET ALL held (a ROLLBACK would undo it): reset before the waiter gets it.
        List<byte[]> reset = server.received();
        assertEquals(1, reset.size());
        assertArrayEquals(Wire.query("DISCARD ALL"), reset.get(0), "server_reset_query before anyone else");
        assertEquals(1, pooler.counts().clWaiting(), "the waiter waits for the reset");
        server.answer(Wire.commandComplete("DISCARD ALL"), Wire.READY_IDLE);
        assertEquals(0, pooler.counts().clWaiting(), "RESET ALL cleared the pin: the server went to the waiter");
        List<byte[]> atServer = server.received();
        assertEquals(1, atServer.size());
        assertArrayEquals(PSQL.frontend().get(0), atServer.get(0));
    }

    @Test
    void clearingPinsNotHeldCostsNoReset() {
        ClientEnd client = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        ClientEnd other = pooler.loggedInClient(client.loop());

        client.send(Wire.query("begin"));
        server.received();
        server.answer(Wire.commandComplete("BEGIN"), Wire.READY_IN_TRANSACTION);
        client.received();
        other.send(PSQL.frontend().get(0));
        assertEquals(1, pooler.counts().clWaiting(), "the other client waits for the one server");

        // asyncpg's reset at each release: clears of pins this client never held.
        client.send(Wire.query("rollback; close all; unlisten *; reset all"));
        assertEquals("Q", Wire.types(server.received()));
        server.answer(Wire.commandComplete("ROLLBACK"), Wire.commandComplete("CLOSE CURSOR"),
                Wire.commandComplete("UNLISTEN"), Wire.commandComplete("RESET"), Wire.READY_IDLE);
        assertEquals("CCCCZ", Wire.types(client.received()));
        assertEquals(0, pooler.counts().clWaiting(), "no reset: the server went straight to the waiter");
        List<byte[]> atServer = server.received();
        assertEquals(1, atServer.size());
        assertArrayEquals(PSQL.frontend().get(0), atServer.get(0));
    }

    @Test
    void aClientLeavingWithSessionStateHasItsServerResetBeforeReuse() {
        ClientEnd pinned = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        pinned.ran(server, "set work_mem = '64MB'", Wire.commandComplete("SET"), Wire.READY_IDLE);

        pinned.send(Wire.TERMINATE);
        assertFalse(pinned.channel.isActive(), "Terminate closes the client");
        List<byte[]> reset = server.received();
        assertEquals(1, reset.size());
        assertArrayEquals(Wire.query("DISCARD ALL"), reset.get(0), "server_reset_query before anyone else");
        assertEquals(1, pooler.counts().svTested(), "sv_tested while the reset runs");

        server.answer(Wire.commandComplete("DISCARD ALL"), Wire.READY_IDLE);
        assertEquals(0, pooler.counts().svTested());
        assertEquals(1, pooler.counts().svIdle(), "clean again: idle");
    }

    // ---- backpressure ----

    @Test
    void theServerIsNotReadWhileItsClientCannotTakeMore() {
        ClientEnd client = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        client.send(PSQL.frontend().get(0));
        server.received();
        List<byte[]> reply = PSQL.backendUpTo(PSQL.afterReadyForQuery(1)); // T D C Z

        client.channel.unsafe().outboundBuffer().setUserDefinedWritability(TEST_WRITABILITY_BIT, false);
        pooler.runTasks();
        server.answer(reply.subList(0, 2));
        assertFalse(server.channel.config().isAutoRead(), "the client is full: PostgreSQL is not read");
        assertEquals("TD", Wire.types(client.received()), "what was read still went out");

        client.channel.unsafe().outboundBuffer().setUserDefinedWritability(TEST_WRITABILITY_BIT, true);
        pooler.runTasks();
        assertTrue(server.channel.config().isAutoRead(), "the client drained: reading resumes");
        server.answer(reply.subList(2, 4));
        assertEquals("CZ", Wire.types(client.received()));
        assertEquals(1, pooler.counts().svIdle());
    }

    @Test
    void theClientIsNotReadWhileItsServerCannotTakeMore() {
        ClientEnd client = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        client.ran(server, "begin", Wire.commandComplete("BEGIN"), Wire.READY_IN_TRANSACTION);

        server.channel.unsafe().outboundBuffer().setUserDefinedWritability(TEST_WRITABILITY_BIT, false);
        pooler.runTasks();
        client.send(PSQL.frontend().get(0));
        assertFalse(client.channel.config().isAutoRead(), "the server is full: the client is not read");
        assertEquals("Q", Wire.types(server.received()), "what was read still went out");

        server.channel.unsafe().outboundBuffer().setUserDefinedWritability(TEST_WRITABILITY_BIT, true);
        pooler.runTasks();
        assertTrue(client.channel.config().isAutoRead(), "the server drained: the client is read again");
    }

    @Test
    void aClientWaitingForAServerIsReadUntil64KiBWaitThenNotUntilItGetsOne() {
        ClientEnd holder = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        holder.ran(server, "begin", Wire.commandComplete("BEGIN"), Wire.READY_IN_TRANSACTION);
        ClientEnd waiting = pooler.loggedInClient(holder.loop());

        waiting.send(Wire.query("select 1"));
        assertEquals(1, pooler.counts().clWaiting());
        assertTrue(waiting.channel.config().isAutoRead(),
                "one query waits: the client is still read (no epoll_ctl pair for every wait)");
        byte[] big = Wire.query("select '" + "x".repeat(16 * 1024) + "'");
        for (int i = 0; i < 4; i++) {
            waiting.send(big);
        }
        assertFalse(waiting.channel.config().isAutoRead(), "over 64 KiB wait: the client is not read");

        holder.ran(server, "commit", Wire.commandComplete("COMMIT"), Wire.READY_IDLE);
        assertEquals(0, pooler.counts().clWaiting());
        assertEquals("QQQQQ", Wire.types(server.received()), "everything that waited went out, in order");
        assertTrue(waiting.channel.config().isAutoRead(), "it has its server: read again");
    }
}
