package io.pooler.server.relay;

import io.pooler.pool.PoolSnapshot;
import io.pooler.server.relay.RelayHarness.ClientEnd;
import io.pooler.server.relay.RelayHarness.ServerEnd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pooler.server.relay.RelayHarness.PSQL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The frontend and backend relays in transaction pooling, on embedded channels against a scripted
 * PostgreSQL that answers with bytes captured from a real one ({@link RelayHarness}): when a server goes
 * back to the pool (ReadyForQuery 'I', and only then), a Flush after the Sync, an error inside a
 * transaction, and the counts SHOW POOLS would print at each step.
 */
class TransactionRelayTest {
    private final RelayHarness pooler = new RelayHarness();

    @AfterEach
    void tearDown() {
        pooler.close();
    }

    @Test
    void aQueryOutsideATransactionReleasesTheServerAtReadyForQueryIdle() {
        ClientEnd client = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        assertCounts(0, 1, "after login: the first server idles");

        byte[] query = PSQL.frontend().get(0); // select 1 as one, 'a'::text as letter
        client.send(query);
        List<byte[]> atServer = server.received();
        assertEquals(1, atServer.size(), Wire.types(atServer));
        assertArrayEquals(query, atServer.get(0), "relayed byte for byte");
        assertCounts(1, 0, "linked while the query runs");

        List<byte[]> reply = PSQL.backendUpTo(PSQL.afterReadyForQuery(1)); // T D C Z(I)
        server.answer(reply);
        List<byte[]> atClient = client.received();
        assertEquals("TDCZ", Wire.types(atClient));
        for (int i = 0; i < reply.size(); i++) {
            assertArrayEquals(reply.get(i), atClient.get(i));
        }
        assertCounts(0, 1, "ReadyForQuery 'I': back in the pool");
        assertNull(pooler.pool().clients().get(0).server());
    }

    private void assertCounts(int svActive, int svIdle, String when) {
        PoolSnapshot p = pooler.counts();
        assertEquals(List.of(svActive, svIdle), List.of(p.svActive(), p.svIdle()), "sv_active, sv_idle " + when);
    }
}
