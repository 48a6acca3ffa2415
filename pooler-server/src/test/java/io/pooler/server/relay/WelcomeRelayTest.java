package io.pooler.server.relay;

import io.pooler.server.relay.RelayHarness.ClientEnd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end of a client's login, AuthenticationOk to ReadyForQuery, on embedded channels against a
 * scripted PostgreSQL ({@link RelayHarness}). It reaches the socket as one flush of two buffers, as
 * PgBouncer sends its welcome in one packet: a flush and a buffer per message cost a pipeline pass, an
 * allocation and, for each flush, a send of its own (scenario 3 of the bench logs in once per
 * transaction; README, "Benchmarks").
 */
class WelcomeRelayTest {
    private final RelayHarness pooler = new RelayHarness();

    @AfterEach
    void tearDown() {
        pooler.close();
    }

    @Test
    void theFirstClientGetsItsWholeLoginAnswerInOneFlushOnceThePoolsFirstServerLoggedIn() {
        ClientEnd client = pooler.connect();
        assertEquals(0, client.writes.flushes(), "nothing is flushed while the pool's first server logs in");

        pooler.loggedInNewServer();

        assertWelcome(client);
    }

    @Test
    void aClientOfAPoolThatKnowsItsParametersGetsItsLoginAnswerInOneFlush() {
        pooler.loggedInClient();

        ClientEnd second = pooler.connect();

        assertWelcome(second);
    }

    @Test
    void theLoginNoticeGoesInTheSameBufferBeforeReadyForQuery() {
        try (RelayHarness withNotice = new RelayHarness(Map.of("login_notify_message", "via the pooler"))) {
            withNotice.loggedInClient();
            ClientEnd client = withNotice.connect();

            List<byte[]> welcome = assertWelcome(client);

            String types = Wire.types(welcome);
            assertTrue(types.endsWith("KNZ"), "BackendKeyData, the notice, ReadyForQuery: " + types);
            byte[] notice = welcome.get(welcome.size() - 2);
            assertTrue(new String(notice, StandardCharsets.UTF_8).contains("via the pooler"), "the notice's text");
        }
    }

    /** Checks the answer's shape and its one flush of two buffers; returns its messages. */
    private static List<byte[]> assertWelcome(ClientEnd client) {
        assertEquals(1, client.writes.flushes(), "one flush from AuthenticationOk to ReadyForQuery");
        assertEquals(2, client.writes.writes(), "AuthenticationOk, then the welcome as one buffer");
        List<byte[]> welcome = client.received();
        String types = Wire.types(welcome);
        assertTrue(types.matches("RS+KN?Z"), "AuthenticationOk, ParameterStatus, BackendKeyData, ReadyForQuery: " + types);
        return welcome;
    }
}
