package io.pooler.server.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, defect 1, the deterministic form of the lost response: a transaction ends while the
 * server's reading is paused because its client (on another event loop) is slow. The server goes back
 * to the pool still paused; the client's drain event no longer reaches it, since it is no longer
 * linked; the next client's query runs on PostgreSQL and its answer is never read.
 *
 * <p>Pool of one server, two event loops: about one slow reader in two is on the other loop than the
 * server, which is what it takes. Then the server must stop reading at the end of the read burst that
 * holds the ReadyForQuery, which happens when the client's write buffer went over its high-water mark
 * with the burst before; so the test goes round after round, bounded in time.
 */
@PoolerTest
@Tag("issue10")
class ReleaseUnderBackpressureTest {
    /** About 4 MB: far more than the socket buffers hold, so the pooler's write buffer to a slow reader fills. */
    private static final String BIG_RESULT = "select repeat('x', 1000) from generate_series(1, 4000)";
    /** Each round has a chance to hit the race (see the class comment); rounds go on up to this long. */
    private static final Duration RUN_LIMIT = Duration.ofSeconds(Long.getLong("churn.seconds", 40));
    /** Far more than a slow read of 4 MB or a select 1 takes, even on a loaded machine. */
    private static final int READ_TIMEOUT_SECONDS = 20;

    private final PoolerFixture pooler;

    ReleaseUnderBackpressureTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD)
                .set("pool_mode", "transaction").set("default_pool_size", "1").set("worker_threads", "2")
                .start();
    }

    @Test
    void aServerGivenBackWhileItsClientWasSlowServesTheNextClient() throws Exception {
        Properties timeout = new Properties();
        timeout.setProperty("socketTimeout", String.valueOf(READ_TIMEOUT_SECONDS));
        long end = System.nanoTime() + RUN_LIMIT.toNanos();
        for (int round = 0; System.nanoTime() < end; round++) {
            for (int reader = 0; reader < 2; reader++) {
                try {
                    slowReader();
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("round " + round + ", slow reader " + reader + ": no answer in "
                            + READ_TIMEOUT_SECONDS + " s; the server given back after the last big result never read again", e);
                }
            }
            try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, timeout)) {
                assertEquals("1", queryString(c, "select 1"), "round " + round);
            } catch (SQLException e) {
                throw new AssertionError("round " + round + ", the client after the slow readers: " + e.getMessage()
                        + "; the server given back after the last big result never read again", e);
            }
        }
    }

    /** Logs in (trust), reads a big result at about 3 MB/s up to its ReadyForQuery, and leaves. */
    private void slowReader() throws IOException, InterruptedException {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(16 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", pooler.port()), 5000);
            s.setSoTimeout(READ_TIMEOUT_SECONDS * 1000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 4096));
            byte[] params = ("user\0" + SCRAM_USER + "\0database\0" + DB + "\0\0").getBytes(StandardCharsets.US_ASCII);
            out.writeInt(8 + params.length);
            out.writeInt(196608);
            out.write(params);
            out.flush();
            readUntilReady(in, false);
            byte[] sql = (BIG_RESULT + "\0").getBytes(StandardCharsets.US_ASCII);
            out.writeByte('Q');
            out.writeInt(4 + sql.length);
            out.write(sql);
            out.flush();
            readUntilReady(in, true);
            out.writeByte('X');
            out.writeInt(4);
            out.flush();
        }
    }

    private static void readUntilReady(DataInputStream in, boolean slowly) throws IOException, InterruptedException {
        long sincePause = 0;
        while (true) {
            int type = in.readUnsignedByte();
            int length = in.readInt();
            in.readFully(new byte[length - 4]);
            assertTrue(type != 'E', "the server sent an error");
            if (type == 'Z') {
                return;
            }
            sincePause += length + 1;
            if (slowly && sincePause > 16 * 1024) {
                sincePause = 0;
                Thread.sleep(5); // a slow reader: the pooler's write buffer to it stays full
            }
        }
    }
}
