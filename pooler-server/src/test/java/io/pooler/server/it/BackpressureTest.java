package io.pooler.server.it;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that reads a large result slowly must not make the pooler buffer it: the pooler stops
 * reading from PostgreSQL while the client's socket is full.
 */
@PoolerTest
class BackpressureTest {
    /** About 400 MB of rows: far more than the pooler may ever hold. */
    private static final String BIG_RESULT = "select repeat('x', 2000) from generate_series(1, 200000)";
    private static final long MEMORY_BOUND = 32L << 20;

    private final PoolerFixture pooler;

    BackpressureTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD).start();
    }

    @Test
    void aSlowReaderOfALargeResultKeepsPoolerMemoryBounded() throws Exception {
        long baseline = pooledMemory();
        long peak = 0;
        long read = 0;
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(16 * 1024);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", pooler.port()), 5000);
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            InputStream in = s.getInputStream();
            login(out, new DataInputStream(in));
            byte[] sql = (BIG_RESULT + "\0").getBytes(StandardCharsets.US_ASCII);
            out.writeByte('Q');
            out.writeInt(4 + sql.length);
            out.write(sql);
            out.flush();
            byte[] chunk = new byte[8192];
            long end = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < end) {
                int n = in.read(chunk);
                assertTrue(n > 0, "the result keeps coming");
                read += n;
                peak = Math.max(peak, pooledMemory() - baseline);
                Thread.sleep(5); // about 1.5 MB/s: a very slow reader
            }
        }
        assertTrue(read > 100_000, "the client did read rows: " + read);
        assertTrue(peak < MEMORY_BOUND, "the pooler held " + (peak >> 20) + " MB for a slow reader");
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(c, "select 1"), "the pooler carries on after the reader left mid-result");
        }
    }

    /** A trust login: StartupMessage, then read up to ReadyForQuery. */
    private static void login(DataOutputStream out, DataInputStream in) throws IOException {
        byte[] params = ("user\0" + SCRAM_USER + "\0database\0" + DB + "\0\0").getBytes(StandardCharsets.US_ASCII);
        out.writeInt(8 + params.length);
        out.writeInt(196608);
        out.write(params);
        out.flush();
        while (true) {
            int type = in.readUnsignedByte();
            int length = in.readInt();
            in.readFully(new byte[length - 4]);
            assertTrue(type != 'E', "login failed");
            if (type == 'Z') {
                return;
            }
        }
    }

    private static long pooledMemory() {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider metrics) {
            return metrics.metric().usedDirectMemory() + metrics.metric().usedHeapMemory();
        }
        return io.netty.util.internal.PlatformDependent.usedDirectMemory();
    }
}
