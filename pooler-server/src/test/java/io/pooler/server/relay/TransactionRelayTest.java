package io.pooler.server.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.pooler.pool.PoolSnapshot;
import io.pooler.server.relay.RelayHarness.ClientEnd;
import io.pooler.server.relay.RelayHarness.ServerEnd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pooler.server.relay.RelayHarness.PSQL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frontend and backend relays in transaction pooling, on embedded channels against a scripted
 * PostgreSQL that answers with bytes captured from a real one ({@link RelayHarness}): when a server goes
 * back to the pool (ReadyForQuery 'I', and only then), a Flush after the Sync, an error inside a
 * transaction, and the counts SHOW POOLS would print at each step.
 */
class TransactionRelayTest {
    /** psql's transaction block against PostgreSQL 17: C BEGIN is backend message 16, C COMMIT 23. */
    private static final CapturedSession TX = CapturedSession.load("psql-transaction");
    /** PgJDBC's extended protocol against PostgreSQL 17. */
    private static final CapturedSession JDBC = CapturedSession.load("pgjdbc-extended");

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

    @Test
    void aTransactionKeepsItsServerUntilReadyForQueryIdleThenTheWaitingClientGetsIt() {
        ClientEnd first = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        ClientEnd second = pooler.loggedInClient(first.loop());

        first.send(Wire.query("begin"));
        server.received();
        server.answer(TX.backend().get(16), Wire.READY_IN_TRANSACTION); // C BEGIN, Z(T)
        assertEquals("CZ", Wire.types(first.received()));
        assertCounts(1, 0, "ReadyForQuery 'T': the transaction keeps its server");

        byte[] secondQuery = PSQL.frontend().get(1);
        second.send(secondQuery);
        assertEquals(1, pooler.counts().clWaiting(), "pool_size 1: the second client waits");
        assertEquals(List.of(), server.received(), "nothing of the second client reaches the busy server");

        first.send(Wire.query("commit"));
        assertEquals("Q", Wire.types(server.received()));
        server.answer(TX.backend().get(23), Wire.READY_IDLE); // C COMMIT, Z(I)
        assertEquals("CZ", Wire.types(first.received()));
        List<byte[]> handedOn = server.received();
        assertEquals(1, handedOn.size(), "released to the waiting client, whose query goes out at once");
        assertArrayEquals(secondQuery, handedOn.get(0));
        assertEquals(0, pooler.counts().clWaiting());
        assertCounts(1, 0, "now the second client's");
        assertEquals(1, pooler.pool().clients().stream().filter(c -> c.server() != null).count());
    }

    @Test
    void anErrorInsideATransactionKeepsTheServerUntilRollback() {
        ClientEnd client = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        client.ran(server, "begin", TX.backend().get(16), Wire.READY_IN_TRANSACTION);

        client.send(Wire.query("select 1/0"));
        server.received();
        server.answer(Wire.divisionByZero(), Wire.READY_FAILED_TRANSACTION);
        assertEquals("EZ", Wire.types(client.received()), "the error reaches the client as sent");
        assertCounts(1, 0, "ReadyForQuery 'E': a failed transaction still holds its server");

        client.send(Wire.query("rollback"));
        server.received();
        server.answer(Wire.commandComplete("ROLLBACK"), Wire.READY_IDLE);
        assertEquals("CZ", Wire.types(client.received()));
        assertCounts(0, 1, "ROLLBACK ended it: back in the pool");
    }

    @Test
    void aReplySplitOverTwoReadsReleasesOnlyAtItsReadyForQuery() {
        ClientEnd client = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        client.send(PSQL.frontend().get(0));
        server.received();
        List<byte[]> reply = PSQL.backendUpTo(PSQL.afterReadyForQuery(1)); // T D C Z
        server.answer(reply.subList(0, 2));
        assertEquals("TD", Wire.types(client.received()), "rows go out as they come");
        assertCounts(1, 0, "no ReadyForQuery yet");
        server.answer(reply.subList(2, 4));
        assertEquals("CZ", Wire.types(client.received()));
        assertCounts(0, 1, "released at the ReadyForQuery");
    }

    @Test
    void theServerStaysLinkedWhileASyncOfAPipelineIsUnanswered() {
        ClientEnd client = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        List<byte[]> jdbc = JDBC.frontend(); // 1..5: Parse, Bind, Describe, Execute, Sync, as PgJDBC sent them
        client.send(Wire.concat(jdbc.subList(1, 6)), Wire.concat(jdbc.subList(6, 11)));
        assertEquals("PBDESPBDES", Wire.types(server.received()));
        List<byte[]> firstAnswer = JDBC.backendUpTo(JDBC.afterReadyForQuery(2)); // 1 2 T D C Z
        List<byte[]> secondAnswer = JDBC.backendUpTo(JDBC.afterReadyForQuery(3));
        server.answer(firstAnswer);
        assertEquals("12TDCZ", Wire.types(client.received()));
        assertCounts(1, 0, "one Sync still unanswered: kept");
        server.answer(secondAnswer);
        assertEquals("12TDCZ", Wire.types(client.received()));
        assertCounts(0, 1, "both answered: released");
    }

    /** psycopg ends a pipeline with Sync then Flush; a Flush that comes after the release takes no server. */
    @Test
    void aFlushAfterTheSyncNeitherKeepsNorTakesAServer() {
        ClientEnd client = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        List<byte[]> jdbc = JDBC.frontend();
        client.send(Wire.concat(jdbc.subList(1, 6)), Wire.FLUSH);
        assertEquals("PBDESH", Wire.types(server.received()), "the Flush follows the Sync to the server");
        server.answer(JDBC.backendUpTo(JDBC.afterReadyForQuery(2)));
        assertEquals("12TDCZ", Wire.types(client.received()));
        assertCounts(0, 1, "the Flush asked for nothing more: released at the Sync's ReadyForQuery");

        client.send(Wire.FLUSH);
        assertEquals(List.of(), server.received(), "a lone Flush between transactions reaches no server");
        assertEquals(List.of(), client.received(), "and needs no answer");
        assertCounts(0, 1, "no server taken for it");
        assertEquals(0, pooler.counts().clWaiting());
    }

    private void assertCounts(int svActive, int svIdle, String when) {
        PoolSnapshot p = pooler.counts();
        assertEquals(List.of(svActive, svIdle), List.of(p.svActive(), p.svIdle()), "sv_active, sv_idle " + when);
    }

    @Test
    void theSetThatBringsAServerInLineGoesOutInOneWriteWithTheQueryThatNeedsIt() {
        ClientEnd named = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        named.ran(server, "set application_name = 'named'",
                Wire.message('S', "application_name\0named\0".getBytes(StandardCharsets.US_ASCII)),
                Wire.commandComplete("SET"), Wire.READY_IDLE);
        ClientEnd other = pooler.loggedInClient(named.loop());
        AtomicInteger flushes = new AtomicInteger();
        onEachFlush(server.channel, flushes::incrementAndGet);

        other.send(Wire.query("select 1"));
        List<byte[]> atServer = server.received();
        assertEquals("QQ", Wire.types(atServer), "the SET of application_name, then the client's query");
        assertTrue(new String(atServer.get(0), StandardCharsets.US_ASCII).contains("application_name"));
        assertEquals(1, flushes.get(), "one flush, so one system call, for both");
    }

    /**
     * The answer that ends a transaction is flushed after its server went back to the pool, here to a
     * waiting client whose query is already on its way: the flush's system call wakes the client last,
     * just before the loop goes back to epoll, so the client runs on this core at once instead of waiting
     * for the loop to finish the release (at 300 queries a second, faster in 4 of 5 A/B runs).
     */
    @Test
    void theAnswerIsFlushedAfterItsServerWentToTheNextWaitingClient() {
        ClientEnd first = pooler.loggedInClient();
        ServerEnd server = pooler.servers().get(0);
        ClientEnd second = pooler.loggedInClient(first.loop());
        first.send(Wire.query("select 1"));
        server.received();
        second.send(Wire.query("select 2"));
        assertEquals(1, pooler.counts().clWaiting(), "pool_size 1: the second client waits");
        AtomicInteger waitingAtFlush = new AtomicInteger(-1);
        onEachFlush(first.channel, () -> waitingAtFlush.compareAndSet(-1, pooler.counts().clWaiting()));

        server.answer(PSQL.backendUpTo(PSQL.afterReadyForQuery(1))); // T D C Z(I)

        assertEquals("TDCZ", Wire.types(first.received()));
        assertEquals(0, waitingAtFlush.get(), "the server was the second client's when the answer was flushed");
        assertEquals("Q", Wire.types(server.received()), "the second client's query went to the server");
    }

    /** Runs {@code action} each time something flushes {@code channel}, before the flush goes on. */
    private static void onEachFlush(Channel channel, Runnable action) {
        channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                action.run();
                ctx.flush();
            }
        });
    }
}
