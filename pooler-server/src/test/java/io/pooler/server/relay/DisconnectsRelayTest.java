package io.pooler.server.relay;

import io.pooler.server.relay.RelayHarness.ClientEnd;
import io.pooler.server.relay.RelayHarness.ServerEnd;
import io.pooler.testing.CapturedLog;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static io.pooler.server.relay.RelayHarness.PSQL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When one side of a linked pair goes ({@link RelayHarness}): a client leaving in the middle of a
 * transaction takes its server with it, one leaving between transactions gives it back, and a server
 * ended by PostgreSQL passes its FATAL error on before the client is closed.
 */
class DisconnectsRelayTest {
    private final RelayHarness pooler = new RelayHarness();

    @AfterEach
    void tearDown() {
        pooler.close();
    }

    @Test
    void aClientLeavingInsideATransactionClosesItsServer() {
        ClientEnd client = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        client.ran(server, "begin", Wire.commandComplete("BEGIN"), Wire.READY_IN_TRANSACTION);

        client.send(Wire.TERMINATE);
        assertFalse(client.channel.isActive());
        List<byte[]> atServer = server.received();
        assertArrayEquals(Wire.TERMINATE, atServer.get(atServer.size() - 1), "the server is told to terminate");
        assertFalse(server.channel.isActive(), "an open transaction must not reach the next client");
        assertEquals(0, pooler.pool().serverCount());
    }

    @Test
    void aClientLeavingBetweenTransactionsGivesItsServerBack() {
        ClientEnd client = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        client.send(PSQL.frontend().get(0));
        server.received();
        server.answer(PSQL.backendUpTo(PSQL.afterReadyForQuery(1)));
        client.received();

        client.send(Wire.TERMINATE);
        assertFalse(client.channel.isActive());
        assertEquals(List.of(), server.received(), "nothing to clean in transaction mode: no reset, no Terminate");
        assertTrue(server.channel.isActive());
        assertEquals(1, pooler.counts().svIdle());
    }

    /**
     * An exception that is not the peer's doing (a defect) closes the client, as a reset does, but is
     * logged at WARN with its stack: at INFO it went unseen where INFO is off (the protocol fuzzer runs at
     * WARN), and a checker's connection closed without a word left nothing to go on.
     */
    @Test
    void anUnexpectedErrorClosesTheClientAndIsLoggedAtWarnWithItsStackAResetOnlyAtInfo() {
        ILoggingEvent resetLine;
        ILoggingEvent defectLine;
        try (CapturedLog lines = CapturedLog.of("io.pooler.server.client.ClientHandler")) {
            ClientEnd reset = pooler.loggedInClient();
            reset.channel.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
            assertFalse(reset.channel.isActive());
            ClientEnd broken = pooler.loggedInClient();
            broken.channel.pipeline().fireExceptionCaught(new IllegalStateException("a defect"));
            assertFalse(broken.channel.isActive());
            resetLine = lines.first("Connection reset");
            defectLine = lines.first("a defect");
        }
        assertEquals(Level.INFO, resetLine.getLevel());
        assertEquals(Level.WARN, defectLine.getLevel());
        assertTrue(defectLine.getThrowableProxy() != null, "with its stack");
    }

    @Test
    void aServerEndedByPostgresPassesItsFatalErrorOnAndTheClientIsClosed() {
        ClientEnd client = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        client.send(Wire.query("select pg_sleep(60)"));
        server.received();

        server.answer(Wire.terminatedByAdministrator());
        server.channel.close();
        pooler.runTasks();
        List<byte[]> atClient = client.received();
        assertEquals("E", Wire.types(atClient), "the client hears PostgreSQL's own reason, once");
        assertArrayEquals(Wire.terminatedByAdministrator(), atClient.get(0));
        assertFalse(client.channel.isActive());
        assertEquals(0, pooler.pool().serverCount());
    }
}
