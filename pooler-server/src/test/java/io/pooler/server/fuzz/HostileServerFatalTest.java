package io.pooler.server.fuzz;

import io.pooler.server.it.PoolerFixture;
import io.pooler.server.it.Wire;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.pooler.server.fuzz.FuzzDatabase.APP_PASSWORD;
import static io.pooler.server.fuzz.FuzzDatabase.APP_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * PostgreSQL closes a session right after a FATAL error. A server that goes on talking after one is not
 * PostgreSQL: what it says next is not relayed, its client is closed as when PostgreSQL closes, and it
 * is never given to another client. (ProtocolFuzzTest found it: seed 5268275045115440206, case 6476, a
 * FATAL 57P01 followed by a whole reply, whose ReadyForQuery put the server back in the pool and left the
 * client open.)
 */
@ExtendWith(PostgresExtension.class)
class HostileServerFatalTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] FATAL = Wire.typed('E', Wire.concat(Wire.cstring("SFATAL"), Wire.cstring("C57P01"),
            Wire.cstring("Mterminating connection due to administrator command"), new byte[] {0}));

    @Test
    void aFatalErrorEndsTheSessionEvenWhenTheServerGoesOnTalking(PostgresInstance pg) throws Exception {
        try (HostileServer hostile = new HostileServer(1, 0); PoolerFixture pooler = poolerBefore(hostile, pg)) {
            List<byte[]> reply = new ArrayList<>();
            reply.add(FATAL);
            reply.addAll(HostileServer.normalReply(HostileServer.tag(1))); // and the server does not close
            hostile.register(1, new HostileServer.Reply(Wire.concat(reply.toArray(new byte[0][])), false));

            List<WireClient.Frame> frames = askUntilClosed(pooler, HostileServer.tag(1));
            assertEquals(1, frames.size(), "the FATAL and then the end of the connection: " + frames);
            assertEquals("57P01", frames.get(0).field('C'));

            // The pool's one server slot: the next client gets a new connection, not the one that said FATAL.
            try (WireClient next = WireClient.connect(pooler.port())) {
                next.login(APP_USER, APP_PASSWORD, "fz_hostile", TIMEOUT);
                next.send(Wire.query("select '" + HostileServer.tag(2) + "'"));
                List<WireClient.Frame> answer = next.readUntilReady(TIMEOUT);
                assertTrue(answer.stream().noneMatch(WireClient.Frame::isError), answer.toString());
                assertNull(answer.stream().map(WireClient.Frame::firstColumn).filter(HostileServer.tag(1)::equals)
                        .findAny().orElse(null), "nothing of the first server's talk reached the next client");
            }
            assertEquals(2, hostile.connections(), "the server that said FATAL was not reused");
        }
    }

    /**
     * A FATAL right behind a whole reply, in the same packet: the ReadyForQuery ended the client's
     * transaction, and the FATAL was relayed to it too; then the server went back to the pool as it
     * closed, and the client, told FATAL, stayed open. A client told FATAL is closed. (ProtocolFuzzTest,
     * seed 3789225777537767130, case 93715.)
     */
    @Test
    void aClientToldFatalBehindItsAnswerIsClosed(PostgresInstance pg) throws Exception {
        try (HostileServer hostile = new HostileServer(1, 0); PoolerFixture pooler = poolerBefore(hostile, pg)) {
            List<byte[]> reply = new ArrayList<>(HostileServer.normalReply(HostileServer.tag(1)));
            reply.add(FATAL); // and the server does not close
            hostile.register(1, new HostileServer.Reply(Wire.concat(reply.toArray(new byte[0][])), false));

            List<WireClient.Frame> frames = askUntilClosed(pooler, HostileServer.tag(1));
            assertEquals("57P01", frames.get(frames.size() - 1).field('C'), "the answer, the FATAL, then the end: " + frames);
        }
    }

    /** A pooler whose database fz_hostile is {@code hostile}, one server at most. */
    private static PoolerFixture poolerBefore(HostileServer hostile, PostgresInstance pg) throws Exception {
        FuzzDatabase.ensure(pg);
        return new PoolerFixture(pg).user(APP_USER, APP_PASSWORD).set("auth_type", "md5")
                .database("fz_hostile", "host=127.0.0.1 port=" + hostile.port()
                        + " dbname=hostile user=hostile password=hostile-secret pool_mode=transaction pool_size=1")
                .start();
    }

    /** A client's query for {@code tag}, and every frame it gets until the pooler closes it (within TIMEOUT). */
    private static List<WireClient.Frame> askUntilClosed(PoolerFixture pooler, String tag) throws Exception {
        List<WireClient.Frame> frames = new ArrayList<>();
        try (WireClient client = WireClient.connect(pooler.port())) {
            client.login(APP_USER, APP_PASSWORD, "fz_hostile", TIMEOUT);
            client.send(Wire.query("select '" + tag + "'"));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            WireClient.Frame f;
            try {
                while ((f = client.read(WireClient.remaining(deadline))) != null) {
                    frames.add(f);
                }
            } catch (java.net.SocketTimeoutException e) {
                fail("the client was not closed within " + TIMEOUT + " of the FATAL; it got " + frames);
            }
        }
        return frames;
    }
}
