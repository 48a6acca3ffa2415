package io.pooler.server.relay;

import io.netty.buffer.Unpooled;
import io.pooler.protocol.ErrorResponse;
import io.pooler.server.relay.RelayHarness.ClientEnd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The login timers of the real client and server connections, with time moved by hand: the embedded
 * loops run on Netty's MockTicker, so a timer fires when the test advances the ticker past it, never
 * before, and nothing sleeps. PostgreSQL here never answers the StartupMessage.
 */
class LoginTimeoutsRelayTest {
    private RelayHarness pooler;

    @AfterEach
    void tearDown() {
        pooler.close();
    }

    @Test
    void aServerThatNeverAnswersFailsAtServerConnectTimeoutAndSoDoesTheClientWaitingForIt() {
        pooler = new RelayHarness(Map.of("server_connect_timeout", "15", "client_login_timeout", "60"));
        ClientEnd client = pooler.connect();
        assertEquals(1, pooler.newServerChannels().size(), "the pool's first server is being opened");
        assertEquals("", Wire.types(client.received()),
                "authenticated (trust), waiting for the server's parameters: AuthenticationOk waits for the welcome, as in PgBouncer");

        advance(Duration.ofSeconds(14));
        assertTrue(client.channel.isActive(), "14 s of server_connect_timeout's 15: still waiting");

        advance(Duration.ofSeconds(2));
        List<byte[]> answer = client.received();
        assertEquals("RE", Wire.types(answer), "AuthenticationOk, then the error");
        ErrorResponse error = error(answer.get(1));
        assertEquals("08006", error.sqlState(), error.message());
        assertTrue(error.message().contains("server_connect_timeout"), error.message());
        assertFalse(client.channel.isActive(), "the client is closed after the error");
        assertEquals(0, pooler.pool().serverCount());
    }

    @Test
    void aClientStillLoggingInAtClientLoginTimeoutIsTurnedAway() {
        pooler = new RelayHarness(Map.of("server_connect_timeout", "120", "client_login_timeout", "5"));
        ClientEnd client = pooler.connect();
        pooler.newServerChannels();
        assertEquals("", Wire.types(client.received()), "AuthenticationOk waits for the welcome");

        advance(Duration.ofSeconds(4));
        assertTrue(client.channel.isActive());
        advance(Duration.ofSeconds(2));
        List<byte[]> answer = client.received();
        assertEquals("RE", Wire.types(answer), "AuthenticationOk, then the error");
        ErrorResponse error = error(answer.get(1));
        assertEquals("08P01", error.sqlState(), error.message());
        assertEquals("client_login_timeout", error.message());
        assertFalse(client.channel.isActive());
    }

    private void advance(Duration by) {
        pooler.ticker.advance(by.toNanos(), TimeUnit.NANOSECONDS);
        pooler.runTasks();
    }

    private static ErrorResponse error(byte[] frame) {
        return ErrorResponse.parseBody(Unpooled.wrappedBuffer(frame, 5, frame.length - 5));
    }
}
