package io.pooler.server.it;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.pooler.testing.Await;
import org.junit.jupiter.api.Test;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.RawPgClient.message;
import static io.pooler.server.it.RawPgClient.query;
import static io.pooler.server.it.RawPgClient.startupMessage;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input hurts only its sender (issue 9): each case here broke other clients, leaked slots or
 * buffered without bound before the fix. Raw sockets send what no driver would.
 */
@PoolerTest
class HostileInputTest {
    private static final long MB = 1024 * 1024;

    private final PoolerFixture pooler;

    HostileInputTest(PoolerFixture pooler) {
        this.pooler = pooler;
    }

    private void start(Consumer<PoolerFixture> settings) throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER);
        settings.accept(pooler);
        pooler.start();
    }

    /** The trigger: a SASLInitialResponse followed by a partial message, then close. */
    @Test
    void malformedSaslThenPartialMessageLeavesNoGhostClientAndCrossesNoResults() throws Exception {
        start(p -> p.set("pool_mode", "transaction").set("default_pool_size", "2"));
        Map<String, Long> before = showLists();
        byte[] sasl = saslInitialResponse("p=tls-server-end-point,,n=,r=abcdefghijklmnop");
        byte[] partial = {0x70, 0, 0, 0, 0x10, 0x61, 0x62};
        try (Connection checker = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            for (int i = 0; i < 40; i++) {
                try (RawPgClient attacker = new RawPgClient(pooler.port())) {
                    attacker.write(startupMessage(SCRAM_USER, DB));
                    attacker.readUntil('R');
                    attacker.write(concat(sasl, partial));
                }
                long tag = 1_000_000L + i;
                assertEquals(String.valueOf(tag), queryString(checker, "select " + tag), "the checker gets its own row");
            }
        }
        awaitLists(before);
    }

    /** A Query where a password message is expected: refused, never run, no slot left behind. */
    @Test
    void queryDuringLoginIsRefusedAndNeverRuns() throws Exception {
        start(p -> p.set("pool_mode", "transaction"));
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD); Statement s = c.createStatement()) {
            s.execute("create table if not exists pwned(x int)");
            s.execute("truncate pwned");
        }
        Map<String, Long> before = showLists();
        for (int i = 0; i < 20; i++) {
            try (RawPgClient attacker = new RawPgClient(pooler.port())) {
                attacker.write(startupMessage(SCRAM_USER, DB));
                attacker.readUntil('R');
                attacker.write(query("insert into pwned values(1)"));
                RawPgClient.Message error = attacker.readError();
                assertNotNull(error, "an ErrorResponse, not a silent close");
                assertEquals("08P01", error.error().sqlState());
            }
        }
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("0", queryString(c, "select count(*) from pwned"));
        }
        awaitLists(before);
    }

    /** Length 0x7FFFFFFF after login: 08P01, not an overflow that closes without a word. */
    @Test
    void maximalLengthAfterLoginIsAnsweredWith08P01() throws Exception {
        start(p -> p.set("auth_type", "trust"));
        try (RawPgClient client = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            client.write(new byte[] {'Q', 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 's', 'e', 'l'});
            RawPgClient.Message error = client.readError();
            assertNotNull(error, "an ErrorResponse");
            assertEquals("08P01", error.error().sqlState(), error.error().message());
        }
    }

    /**
     * A Query followed by a message of unknown type, while another client waits for the only server:
     * the unknown message must never reach that server, which goes to the waiting client once the
     * Query is answered. Only the sender is refused.
     */
    @Test
    void unknownMessageTypeAfterAQueryHurtsOnlyItsSender() throws Exception {
        start(p -> p.set("auth_type", "trust").set("pool_mode", "transaction").set("default_pool_size", "1"));
        java.util.concurrent.ExecutorService bystanderThread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (Connection bystander = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            for (int i = 0; i < 5; i++) {
                try (RawPgClient attacker = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
                    attacker.write(concat(query("select pg_sleep(0.3)"), message('A', new byte[] {1, 2, 3})));
                    int tag = 100 + i;
                    java.util.concurrent.Future<String> waiting =
                            bystanderThread.submit(() -> queryString(bystander, "select " + tag));
                    RawPgClient.Message error = attacker.readError();
                    assertNotNull(error, "the sender is told");
                    assertEquals("08P01", error.error().sqlState(), error.error().message());
                    assertEquals(String.valueOf(tag), waiting.get(20, TimeUnit.SECONDS),
                            "the waiting client gets the server, which never saw the unknown message");
                }
            }
        } finally {
            bystanderThread.shutdownNow();
        }
    }

    /** A Query of 48 MB, sent slowly, goes through without the pooler holding it. */
    @Test
    void aLargeQueryIsStreamedThrough() throws Exception {
        start(p -> p.set("auth_type", "trust").set("pool_mode", "transaction"));
        int literal = (int) (48 * MB);
        byte[] head = "select length('".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "')\0".getBytes(StandardCharsets.US_ASCII);
        long baseline = pooledMemory();
        long peak = 0;
        try (RawPgClient client = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(header);
            d.writeByte('Q');
            d.writeInt(4 + head.length + literal + tail.length);
            d.write(head);
            client.write(header.toByteArray());
            byte[] chunk = new byte[(int) MB];
            java.util.Arrays.fill(chunk, (byte) 'x');
            for (int i = 0; i < literal / chunk.length; i++) {
                client.write(chunk);
                peak = Math.max(peak, pooledMemory() - baseline);
            }
            client.write(tail);
            RawPgClient.Message row = client.readUntil('D');
            String value = new String(row.body(), 6, row.body().length - 6, StandardCharsets.US_ASCII);
            assertEquals(String.valueOf(literal), value);
            client.readUntil('Z');
        }
        assertTrue(peak < 16 * MB, "the pooler held " + peak / MB + " MB of a 48 MB query");
    }

    /** One 64 MB row to a client that does not read: the pooler stops reading the server instead of buffering. */
    @Test
    void aHugeRowToANonReadingClientIsNotBuffered() throws Exception {
        start(p -> p.set("auth_type", "trust").set("pool_mode", "transaction"));
        long baseline = pooledMemory();
        long peak = 0;
        try (Socket raw = new Socket("127.0.0.1", pooler.port())) {
            raw.setReceiveBufferSize(64 * 1024);
            raw.setSoTimeout(30_000);
            OutputStream out = raw.getOutputStream();
            java.io.DataInputStream in = new java.io.DataInputStream(raw.getInputStream());
            out.write(startupMessage(SCRAM_USER, DB));
            readUntil(in, 'Z');
            out.write(query("select repeat('x', " + 64 * MB + ")"));
            out.flush();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            while (System.nanoTime() < until) {
                peak = Math.max(peak, pooledMemory() - baseline);
                Thread.sleep(50); // the sampling period of a fixed 4 s watch, not a wait for a result
            }
            long rowLength = readUntil(in, 'D');
            assertEquals(64 * MB + 10, rowLength, "the whole row arrives once read");
            readUntil(in, 'Z');
        }
        assertTrue(peak < 16 * MB, "the pooler held " + peak / MB + " MB of a 64 MB row");
    }

    /** An empty Describe in transaction mode with prepared statements tracked: 08P01 to its sender only. */
    @Test
    void emptyDescribeIsRefusedAndTheServerSurvives() throws Exception {
        start(p -> p.set("auth_type", "trust").set("pool_mode", "transaction").set("default_pool_size", "1")
                .set("max_prepared_statements", "10"));
        try (Connection bystander = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            String pid = queryString(bystander, "select pg_backend_pid()");
            for (char type : new char[] {'D', 'C', 'B', 'P'}) {
                try (RawPgClient attacker = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
                    attacker.write(concat(message(type, new byte[0]), message('S', new byte[0])));
                    RawPgClient.Message error = attacker.readError();
                    assertNotNull(error, "an ErrorResponse for an empty '" + type + "'");
                    assertEquals("08P01", error.error().sqlState(), error.error().message());
                }
                assertEquals(pid, queryString(bystander, "select pg_backend_pid()"), "the server survives");
            }
        }
    }

    // ---- helpers ----

    private static byte[] saslInitialResponse(String data) {
        byte[] mechanism = "SCRAM-SHA-256\0".getBytes(StandardCharsets.US_ASCII);
        byte[] payload = data.getBytes(StandardCharsets.US_ASCII);
        java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(mechanism.length + 4 + payload.length);
        body.put(mechanism).putInt(payload.length).put(payload);
        return message('p', body.array());
    }

    private Map<String, Long> showLists() throws SQLException {
        Map<String, Long> lists = new HashMap<>();
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
             Statement s = admin.createStatement(); ResultSet rs = s.executeQuery("SHOW LISTS")) {
            while (rs.next()) {
                lists.put(rs.getString(1), rs.getLong(2));
            }
        }
        return lists;
    }

    /** SHOW LISTS' client counts return to where they were (the console's own connection aside). */
    private void awaitLists(Map<String, Long> before) throws Exception {
        AtomicReference<Map<String, Long>> now = new AtomicReference<>(showLists());
        Await.until(Duration.ofSeconds(10), Await.quietly(() -> {
            now.set(showLists());
            return sameClientCounts(before, now.get());
        }), () -> "client lists back to " + before + ", now " + now.get());
    }

    private static boolean sameClientCounts(Map<String, Long> before, Map<String, Long> now) {
        for (String list : new String[] {"used_clients", "login_clients"}) {
            if (!before.get(list).equals(now.get(list))) {
                return false;
            }
        }
        return true;
    }

    /** Reads messages until one of {@code type}; returns its length field. */
    private static long readUntil(java.io.DataInputStream in, char type) throws IOException {
        while (true) {
            int t = in.read();
            if (t < 0) {
                throw new java.io.EOFException("closed before '" + type + "'");
            }
            int length = in.readInt();
            in.skipNBytes(length - 4);
            if (t == type) {
                return length;
            }
            if (t == 'E') {
                throw new AssertionError("error from the pooler");
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
