package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.RawPgClient.message;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 12, bug 1: psycopg 3 ends a pipeline with Sync then Flush. In transaction pooling the server
 * goes back to the pool at the ReadyForQuery that answers the Sync, whatever Flush follows, as
 * PgBouncer does; a Flush with nothing pending takes no server.
 */
@PoolerTest
class FlushAfterSyncTest {
    private final PoolerFixture pooler;

    FlushAfterSyncTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("auth_type", "trust")
                .set("pool_mode", "transaction").set("default_pool_size", "1").set("query_wait_timeout", "60")
                .start();
    }

    private static byte[] pipelineEndingInSyncFlush() {
        byte[] parse = message('P', bytes("\0select 1\0", 0));
        byte[] bind = message('B', bytes("\0\0", 0, 0, 0));
        byte[] execute = message('E', ByteBuffer.allocate(5).put((byte) 0).putInt(0).array());
        return concat(parse, bind, execute, message('S', new byte[0]), message('H', new byte[0]));
    }

    /** Text, then big-endian int16 values. */
    private static byte[] bytes(String text, int... shorts) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(t.length + 2 * shorts.length).put(t);
        for (int s : shorts) {
            b.putShort((short) s);
        }
        return b.array();
    }

    /** Another client gets the pool's only server at once, not after query_wait_timeout. */
    private void anotherClientIsServed() throws Exception {
        CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> {
            try (Connection c = pooler.connectSimple(DB, SCRAM_USER, "any")) {
                return queryString(c, "select 7");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals("7", other.get(20, TimeUnit.SECONDS), "the idle pipeline client does not hold the server");
    }

    @Test
    void syncThenFlushReleasesTheServer() throws Exception {
        try (RawPgClient idle = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            idle.write(pipelineEndingInSyncFlush());
            idle.readUntil('Z');
            anotherClientIsServed();
            // Its later simple queries take and give back the server as usual.
            idle.write(RawPgClient.query("select 2"));
            idle.readUntil('Z');
            anotherClientIsServed();
        }
    }

    @Test
    void aLateFlushTakesNoServer() throws Exception {
        try (RawPgClient idle = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            idle.write(RawPgClient.query("select 1"));
            idle.readUntil('Z');
            idle.write(message('H', new byte[0])); // nothing pending: nothing to flush
            anotherClientIsServed();
        }
    }
}
