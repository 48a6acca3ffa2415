package io.pooler.server.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.RawPgClient.message;
import static io.pooler.server.it.RawPgClient.query;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Messages the pooler answers itself never reach PostgreSQL, so no server's full socket stops the pooler
 * reading their client. A client that streams them and never reads must still not make the pooler queue
 * answers without bound: reading it stops while its own socket is full, and resumes as it drains.
 *
 * <p>Each test floods from a thread that never reads and measures what the pooler took before the writes
 * stalled for {@link #STALL_MILLIS} while the pooler's loops were idle (with leak detection at paranoid, a
 * read burst of these messages takes the loop seconds, which stalls the writes too). The kernel's buffers
 * are kept small on both sides (tcp_socket_buffer, the client's SO_SNDBUF and SO_RCVBUF), so what the
 * pooler took is what it read, give or take a few hundred KB; the old code read the whole flood.
 */
@PoolerTest
class LocalAnswerBackpressureTest {
    private static final int SOCKET_BUFFER = 64 * 1024;
    /** What a flood sends at most: the old code read all of it. */
    private static final long FLOOD_BYTES = 8L << 20;
    /** What the pooler may take before the flood stalls: socket buffers, a 64 KiB high-water mark, a read burst. */
    private static final long ACCEPTED_BOUND = 2L << 20;
    private static final long STALL_MILLIS = 2_000;
    private static final long FLOOD_DEADLINE_MILLIS = 60_000;
    /** How much more the flood sends once its client reads: reading resumed. */
    private static final long RESUMED_BYTES = 256 * 1024;

    private final PoolerFixture pooler;
    private final List<Flood> floods = new ArrayList<>();

    LocalAnswerBackpressureTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD)
                .set("pool_mode", "transaction")
                .set("tcp_socket_buffer", String.valueOf(SOCKET_BUFFER))
                .set("stats_users", SCRAM_USER)
                .start();
    }

    @AfterEach
    void stopFloods() {
        floods.forEach(Flood::stop);
    }

    @Test
    void aFloodOfLoneDiscardAllStopsBeingReadWhileItsAnswersWait() throws Exception {
        byte[] unit = query("DISCARD ALL");
        floodNeverReadingThenDrain(unit, 5 + 12 + 6); // CommandComplete "DISCARD ALL", ReadyForQuery
    }

    @Test
    void aFloodOfMultiplexedUnlistenStopsBeingReadWhileItsAnswersWait() throws Exception {
        byte[] unit = query("UNLISTEN nobody");
        floodNeverReadingThenDrain(unit, 5 + 9 + 6); // CommandComplete "UNLISTEN", ReadyForQuery
    }

    @Test
    void aFloodOfCloseAndSyncWithoutAServerStopsBeingReadWhileItsAnswersWait() throws Exception {
        byte[] unit = concat(closeStatement("s1"), message('S', new byte[0]));
        floodNeverReadingThenDrain(unit, 5 + 6); // CloseComplete, ReadyForQuery
    }

    /**
     * Closes of named statements behind an Execute that is still running: the pooler owes a CloseComplete
     * for each after the Execute's answer, and queues them (ResponseTracker); none goes to PostgreSQL.
     */
    @Test
    void closesQueuedBehindARunningExecuteStopBeingRead() throws Exception {
        try (RawPgClient client = new RawPgClient(pooler.port(), SOCKET_BUFFER, SOCKET_BUFFER).loginTrusted(SCRAM_USER, DB)) {
            client.write(concat(
                    message('P', bytes("\0select pg_sleep(8)\0\0\0")), // unnamed, no parameter types
                    message('B', bytes("\0\0\0\0\0\0\0\0")), // unnamed portal and statement, no formats or values
                    message('E', bytes("\0\0\0\0\0")), // unnamed portal, all rows
                    message('H', new byte[0])));
            Thread.sleep(300); // the Execute is running on a linked server
            byte[] unit = closeStatement("s1");
            Flood flood = flood(client, unit);
            long accepted = flood.untilStalled();
            assertTrue(accepted < ACCEPTED_BOUND, "the pooler took " + accepted + " bytes of Close messages");
            anotherClientIsServed();
            drain(client, flood, 5); // a CloseComplete each, after the Execute's answer
        }
    }

    /**
     * A console user who pipelines SHOW CONFIG and never reads: the answers wait in the pooler, counted by
     * SHOW SOCKETS' send_avail (bytes not yet written to the socket). Paced well within the console's
     * queue of 64, so the pooler answers each one.
     */
    @Test
    void aConsoleThatDoesNotReadStopsBeingRead() throws Exception {
        try (RawPgClient console = new RawPgClient(pooler.port(), SOCKET_BUFFER, SOCKET_BUFFER)
                .loginTrusted(SCRAM_USER, "pgbouncer", java.util.Map.of("application_name", "flood"));
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            Flood flood = new Flood(console, query("SHOW CONFIG;"), 2, 100, 100); // 20 a second, for 10 s
            floods.add(flood);
            long peak = 0;
            long end = System.nanoTime() + 12_000_000_000L;
            while (System.nanoTime() < end && flood.running()) {
                peak = Math.max(peak, pendingBytesOf(admin, "flood"));
                Thread.sleep(200);
            }
            peak = Math.max(peak, pendingBytesOf(admin, "flood"));
            System.out.println("console: " + flood.units() + " queries sent, at most " + peak + " bytes of answers pending");
            assertNull(flood.failure(), "the console was not closed");
            assertTrue(peak < 256 * 1024, "the pooler held " + peak + " bytes of console answers");
            anotherClientIsServed();
        }
    }

    /** SHOW SOCKETS' send_avail of the client with this application_name: bytes the pooler holds for it. */
    private static long pendingBytesOf(Connection admin, String applicationName) throws Exception {
        long pending = 0;
        for (java.util.Map<String, String> row : AdminRows.rows(admin, "SHOW SOCKETS")) {
            if (applicationName.equals(row.get("application_name"))) {
                pending = Math.max(pending, Long.parseLong(row.get("send_avail")));
            }
        }
        return pending;
    }

    /**
     * Floods {@code unit} without reading: the pooler takes a bounded part of it, serves others meanwhile,
     * and once the client reads, answers every one of them ({@code answerBytes} each).
     */
    private void floodNeverReadingThenDrain(byte[] unit, int answerBytes) throws Exception {
        try (RawPgClient client = new RawPgClient(pooler.port(), SOCKET_BUFFER, SOCKET_BUFFER).loginTrusted(SCRAM_USER, DB)) {
            Flood flood = flood(client, unit);
            long accepted = flood.untilStalled();
            assertTrue(accepted < ACCEPTED_BOUND, "the pooler took " + accepted + " of the "
                    + FLOOD_BYTES + " bytes sent by a client that does not read");
            anotherClientIsServed();
            drain(client, flood, answerBytes);
        }
    }

    private Flood flood(RawPgClient client, byte[] unit) {
        int perChunk = Math.max(1, 16 * 1024 / unit.length);
        Flood flood = new Flood(client, unit, perChunk, 0, FLOOD_BYTES / ((long) perChunk * unit.length));
        floods.add(flood);
        return flood;
    }

    private void anotherClientIsServed() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (Connection other = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
                assertEquals("1", queryString(other, "select 1"), "another client is served meanwhile");
            }
        });
    }

    /**
     * Reads while the flood goes on for {@link #RESUMED_BYTES} more, then stops it and reads the answers to
     * every message sent, at least {@code answerBytes} each: reading the client resumed as it drained.
     */
    private static void drain(RawPgClient client, Flood flood, int answerBytes) throws Exception {
        client.setReadTimeout(20_000);
        InputStream in = client.input();
        byte[] buffer = new byte[64 * 1024];
        long read = 0;
        long target = flood.units() + RESUMED_BYTES / flood.unitLength;
        long end = System.nanoTime() + FLOOD_DEADLINE_MILLIS * 1_000_000L;
        while (System.nanoTime() < end && (flood.running() || read < flood.units() * answerBytes)) {
            if (flood.units() >= target) {
                flood.finish();
            }
            int n = in.read(buffer);
            assertTrue(n > 0, "the pooler closed the connection after " + read + " bytes");
            read += n;
        }
        assertNull(flood.failure(), "the flood's writes failed");
        assertFalse(flood.running(), "the flood went on once the client read");
        assertTrue(flood.units() >= target, "sent " + flood.units() + " of " + target + " once the client read");
        assertTrue(read >= flood.units() * answerBytes, "answers read: " + read + " bytes for " + flood.units());
    }

    private static byte[] closeStatement(String name) {
        return message('C', bytes("S" + name + "\0"));
    }

    /** The bytes of {@code text}, one per char: for bodies written with their NULs as \0. */
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** CPU time of the pooler's event loops (threads "pooler-N-M", in this JVM), in nanoseconds. */
    private static long loopCpuNanos() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("pooler-")) {
                total += Math.max(0, threads.getThreadCpuTime(t.getId()));
            }
        }
        return total;
    }

    /** A writer thread that sends {@code chunks} chunks of {@code perChunk} units and never reads. */
    private static final class Flood {
        private final AtomicLong chunksWritten = new AtomicLong();
        private final int perChunk;
        private final int unitLength;
        private final Thread writer;
        private volatile IOException failure;
        private volatile boolean stopped;

        Flood(RawPgClient client, byte[] unit, int perChunk, long pauseMillis, long chunks) {
            this.perChunk = perChunk;
            this.unitLength = unit.length;
            byte[] chunk = new byte[unit.length * perChunk];
            for (int i = 0; i < perChunk; i++) {
                System.arraycopy(unit, 0, chunk, i * unit.length, unit.length);
            }
            writer = new Thread(() -> {
                try {
                    for (long i = 0; i < chunks && !stopped; i++) {
                        client.write(chunk);
                        chunksWritten.incrementAndGet();
                        if (pauseMillis > 0) {
                            Thread.sleep(pauseMillis);
                        }
                    }
                } catch (IOException e) {
                    if (!stopped) {
                        failure = e;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "flood");
            writer.setDaemon(true);
            writer.start();
        }

        /**
         * The bytes written once the writes have stalled for STALL_MILLIS with the pooler's loops idle (under
         * a tenth of a core), or all were written, or the deadline passed.
         */
        long untilStalled() throws InterruptedException {
            long end = System.nanoTime() + FLOOD_DEADLINE_MILLIS * 1_000_000L;
            long last = -1;
            long changed = System.nanoTime();
            long cpuAtChange = loopCpuNanos();
            while (writer.isAlive() && System.nanoTime() < end) {
                long now = chunksWritten.get();
                long elapsed = System.nanoTime() - changed;
                if (now != last) {
                    last = now;
                    changed = System.nanoTime();
                    cpuAtChange = loopCpuNanos();
                } else if (elapsed > STALL_MILLIS * 1_000_000L) {
                    if (loopCpuNanos() - cpuAtChange < elapsed / 10) {
                        break; // the pooler stopped reading, rather than being busy
                    }
                    changed = System.nanoTime();
                    cpuAtChange = loopCpuNanos();
                }
                Thread.sleep(50);
            }
            assertNull(failure, "the flood's writes failed");
            long accepted = chunksWritten.get() * perChunk * unitLength;
            System.out.println("flood: " + accepted + " bytes taken, stalled: " + writer.isAlive());
            return accepted;
        }

        boolean running() {
            return writer.isAlive();
        }

        /** The units written so far. */
        long units() {
            return chunksWritten.get() * perChunk;
        }

        IOException failure() {
            return failure;
        }

        /** The writer stops after the chunk it is writing. */
        void finish() {
            stopped = true;
        }

        void stop() {
            stopped = true;
            writer.interrupt();
        }
    }
}
