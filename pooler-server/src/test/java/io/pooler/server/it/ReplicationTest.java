package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.pool;
import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replication connections through the pooler (PgBouncer 1.23+): {@code replication=database} and
 * {@code replication=true} startups get a server of their own, with their replication value and
 * {@code options} passed to PostgreSQL, the stream relayed as it is, counted in the pool, and closed when
 * the client leaves. Real clients: PgJDBC's replication API (logical and physical streams), psql and
 * pg_recvlogical (libpq), and a logical replication subscription of the same PostgreSQL.
 */
@PoolerTest
class ReplicationTest {
    static final String REPL_USER = "it_repl";
    static final String REPL_PASSWORD = "repl-secret";
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final PostgresInstance pg;
    private final PoolerFixture pooler;
    private final List<String> slotsToDrop = new ArrayList<>();

    ReplicationTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        this.pg = pg;
        pg.createRole(REPL_USER, REPL_PASSWORD, "scram-sha-256");
        try (Connection su = pg.connectAsSuperuser("postgres"); Statement s = su.createStatement()) {
            s.execute("ALTER ROLE " + REPL_USER + " REPLICATION");
            s.execute("GRANT CREATE, CONNECT ON DATABASE " + DB + " TO " + REPL_USER);
        }
        this.pooler = pooler.user(REPL_USER, REPL_PASSWORD).user(SCRAM_USER, SCRAM_PASSWORD)
                .set("admin_users", SCRAM_USER).set("log_connections", "1");
    }

    @AfterEach
    void dropSlots() throws SQLException {
        try (Connection su = pg.connectAsSuperuser(DB); Statement s = su.createStatement()) {
            for (String slot : slotsToDrop) {
                // The walsender of a client that just left may still hold the slot for a moment.
                Await.until(DEADLINE, quietly(() -> {
                    s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                            + slot + "'");
                    return true;
                }), "slot " + slot + " dropped");
            }
        }
    }

    @Test
    void logicalStreamFromPgJdbcCountsAsActiveAndItsServerClosesWithIt() throws Exception {
        pooler.start();
        String slot = slot("it_logical_jdbc");
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS repl_jdbc(id int primary key, note text)");
        }
        Connection repl = replicationConnection("database");
        PGConnection pgRepl = repl.unwrap(PGConnection.class);
        pgRepl.getReplicationAPI().createReplicationSlot().logical().withSlotName(slot)
                .withOutputPlugin("test_decoding").make();
        PGReplicationStream stream = pgRepl.getReplicationAPI().replicationStream().logical().withSlotName(slot)
                .withStatusInterval(1, TimeUnit.SECONDS).start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement s = c.createStatement()) {
            s.execute("INSERT INTO repl_jdbc VALUES (1, 'through the pooler')");
        }
        String change = readUntil(stream, "INSERT");
        assertTrue(change.contains("table public.repl_jdbc: INSERT: id[integer]:1 note[text]:'through the pooler'"), change);

        try (Connection admin = admin()) {
            Map<String, String> client = rows(admin, "SHOW CLIENTS").stream()
                    .filter(r -> r.get("user").equals(REPL_USER)).findFirst().orElseThrow();
            assertEquals("logical", client.get("replication"));
            assertEquals("active", client.get("state"));
            Map<String, String> server = rows(admin, "SHOW SERVERS").stream()
                    .filter(r -> r.get("user").equals(REPL_USER)).findFirst().orElseThrow();
            assertEquals("logical", server.get("replication"));
            assertEquals("active", server.get("state"));
            assertEquals(client.get("ptr"), server.get("link"));
            Map<String, String> pool = pool(admin, DB, REPL_USER);
            assertEquals(1, intValue(pool, "cl_active"));
            assertEquals(1, intValue(pool, "sv_active"));
        }
        int walsenderPid = walsenderPids().get(0);
        stream.close();
        repl.close();
        // Never reset nor reused: the server connection ends with its client.
        Await.until(DEADLINE, quietly(() -> !walsenderPids().contains(walsenderPid)), "walsender gone");
        try (Connection admin = admin()) {
            Await.until(DEADLINE, quietly(() -> rows(admin, "SHOW SERVERS").stream()
                    .noneMatch(r -> r.get("user").equals(REPL_USER))), "no server left for " + REPL_USER);
        }
    }

    @Test
    void physicalStreamFromPgJdbcCarriesTheWal() throws Exception {
        pooler.start();
        String lsn;
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS repl_physical(id int)");
            // Flushed WAL only (synchronous_commit is off in the test server): a start point ahead is refused.
            try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_flush_lsn()")) {
                rs.next();
                lsn = rs.getString(1);
            }
            s.execute("INSERT INTO repl_physical SELECT generate_series(1, 1000)");
        }
        long sentBefore = totalSent();
        try (Connection repl = replicationConnection("true")) {
            PGReplicationStream stream = repl.unwrap(PGConnection.class).getReplicationAPI().replicationStream()
                    .physical().withStartPosition(LogSequenceNumber.valueOf(lsn)).start();
            long bytes = 0;
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (bytes < 8192 && System.nanoTime() < deadline) {
                ByteBuffer wal = stream.readPending();
                if (wal == null) {
                    TimeUnit.MILLISECONDS.sleep(10);
                } else {
                    bytes += wal.remaining();
                }
            }
            assertTrue(bytes >= 8192, "WAL bytes streamed: " + bytes);
            long streamed = bytes;
            // SHOW STATS counts the relayed bytes, as PgBouncer counts them
            Await.until(DEADLINE, quietly(() -> totalSent() - sentBefore >= streamed), "total_sent counts the stream");
            try (Connection admin = admin()) {
                assertEquals("physical", rows(admin, "SHOW SERVERS").stream()
                        .filter(r -> r.get("user").equals(REPL_USER)).findFirst().orElseThrow().get("replication"));
            }
            stream.close();
        }
    }

    /** As PgBouncer's test_physical_rep and test_logical_rep: options reach PostgreSQL as the client sent them. */
    @Test
    void psqlReplicationConnectionsGetTheirOptionsAndRunReplicationCommands() throws Exception {
        pooler.start();
        String conn = "host=127.0.0.1 port=" + pooler.port() + " dbname=" + DB + " user=" + REPL_USER
                + " application_name=abc options='-c enable_seqscan=off'";
        Result logical = run(List.of(psqlPath(), "-X", "-At", "-d", conn + " replication=database",
                "-c", "IDENTIFY_SYSTEM", "-c", "SHOW application_name", "-c", "SHOW enable_seqscan", "-c", "SELECT 40 + 2"));
        assertEquals(0, logical.exitCode(), logical.output());
        List<String> lines = logical.output().strip().lines().toList();
        assertTrue(lines.get(0).matches("\\d+\\|\\d+\\|[0-9A-F]+/[0-9A-F]+\\|" + DB), logical.output());
        assertEquals(List.of("abc", "off", "42"), lines.subList(1, 4));

        Result physical = run(List.of(psqlPath(), "-X", "-At", "-d", conn + " replication=true",
                "-c", "SHOW enable_seqscan", "-c", "IDENTIFY_SYSTEM"));
        assertEquals(0, physical.exitCode(), physical.output());
        assertTrue(physical.output().startsWith("off\n"), physical.output());
        Result sql = run(List.of(psqlPath(), "-X", "-At", "-d", conn + " replication=yes", "-c", "SELECT 1"));
        assertTrue(sql.output().contains("cannot execute SQL commands in WAL sender for physical replication"),
                sql.output());
    }

    /** As PgBouncer's test_logical_rep_pg_recvlogical. */
    @Test
    void pgRecvlogicalStreamsDecodedChanges() throws Exception {
        pooler.start();
        String slot = slot("it_recvlogical");
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS repl_recvlogical(a int)");
        }
        String[] connection = {"--host", "127.0.0.1", "--port", String.valueOf(pooler.port()), "--username", REPL_USER,
                "--dbname", DB};
        Result created = run(concat(List.of(tool("pg_recvlogical")), List.of(connection),
                List.of("--slot", slot, "--plugin", "test_decoding", "--create-slot")));
        assertEquals(0, created.exitCode(), created.output());
        Path out = Files.createTempFile("pg_recvlogical-", ".txt");
        ProcessBuilder pb = new ProcessBuilder(concat(List.of(tool("pg_recvlogical")), List.of(connection),
                List.of("--slot", slot, "--start", "--no-loop", "--file", out.toString(), "--fsync-interval", "1",
                        "--status-interval", "1")));
        pb.environment().put("PGPASSWORD", REPL_PASSWORD);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(out.resolveSibling(out.getFileName() + ".log").toFile()));
        Process recv = pb.start();
        try {
            try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement s = c.createStatement()) {
                s.execute("INSERT INTO repl_recvlogical VALUES (1)");
            }
            Await.until(DEADLINE, quietly(() -> Files.readString(out).contains(
                    "table public.repl_recvlogical: INSERT: a[integer]:1")), () -> "pg_recvlogical wrote: "
                    + read(out) + " / log: " + read(out.resolveSibling(out.getFileName() + ".log")));
            assertTrue(read(out).contains("BEGIN "), read(out));
        } finally {
            recv.destroy();
            assertTrue(recv.waitFor(30, TimeUnit.SECONDS));
        }
    }

    /** As PgBouncer's test_logical_rep_subscriber: a subscription in another database, through the pooler. */
    @Test
    void subscriptionReplicatesThroughThePooler() throws Exception {
        pooler.set("pool_mode", "transaction").start();
        String slot = slot("it_sub_slot");
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS repl_sub");
            s.execute("CREATE TABLE repl_sub(a int primary key)");
            s.execute("INSERT INTO repl_sub VALUES (1)");
            s.execute("GRANT SELECT ON repl_sub TO " + REPL_USER); // the initial copy reads it as that user
        }
        try (Connection su = pg.connectAsSuperuser(DB); Statement s = su.createStatement()) {
            s.execute("DROP PUBLICATION IF EXISTS it_pub");
            s.execute("CREATE PUBLICATION it_pub FOR TABLE repl_sub");
            s.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        }
        pg.createDatabase("it_subscriber", pg.superuser());
        try (Connection sub = pg.connectAsSuperuser("it_subscriber"); Statement s = sub.createStatement()) {
            s.execute("DROP TABLE IF EXISTS repl_sub");
            s.execute("CREATE TABLE repl_sub(a int primary key)");
            s.execute("CREATE SUBSCRIPTION it_sub CONNECTION 'host=127.0.0.1 port=" + pooler.port() + " dbname=" + DB
                    + " user=" + REPL_USER + " password=" + REPL_PASSWORD + "' PUBLICATION it_pub"
                    + " WITH (slot_name = " + slot + ", create_slot = false)");
            try {
                Await.until(DEADLINE, quietly(() -> count(s, "repl_sub") == 1), () -> "initial copy through the pooler; "
                        + serverLogTail());
                try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement p = c.createStatement()) {
                    p.execute("INSERT INTO repl_sub VALUES (2)");
                }
                Await.until(DEADLINE, quietly(() -> count(s, "repl_sub") == 2), () -> "change streamed through the pooler; "
                        + serverLogTail());
                try (Connection admin = admin()) {
                    assertTrue(rows(admin, "SHOW CLIENTS").stream().anyMatch(r -> r.get("user").equals(REPL_USER)
                            && r.get("replication").equals("logical")), "the subscription's client is listed");
                }
            } finally {
                s.execute("ALTER SUBSCRIPTION it_sub DISABLE");
                s.execute("ALTER SUBSCRIPTION it_sub SET (slot_name = NONE)");
                s.execute("DROP SUBSCRIPTION it_sub");
            }
        }
        try (Connection su = pg.connectAsSuperuser(DB); Statement s = su.createStatement()) {
            s.execute("DROP PUBLICATION it_pub");
        }
    }

    /**
     * As PgBouncer: the replication server counts in pool_size. With the pool's one server idle, it is
     * closed to make room; with it busy, the replication client waits until it is free.
     */
    @Test
    void replicationServerCountsInPoolSizeAndEvictsAnIdleServer() throws Exception {
        pooler.set("default_pool_size", "1").set("pool_mode", "transaction").start();
        try (Connection normal = pooler.connect(DB, REPL_USER, REPL_PASSWORD); Statement s = normal.createStatement()) {
            s.execute("SELECT 1"); // its server is idle in the pool now
            try (Connection repl = replicationConnection("database"); Statement r = repl.createStatement();
                 ResultSet rs = r.executeQuery("IDENTIFY_SYSTEM")) {
                assertTrue(rs.next());
                try (Connection admin = admin()) {
                    Map<String, String> pool = pool(admin, DB, REPL_USER);
                    assertEquals(1, intValue(pool, "sv_active"), pool.toString());
                    assertEquals(0, intValue(pool, "sv_idle"), pool.toString());
                }
            }
            // The pool's one slot is free again once the replication client left; a transaction holds it now.
            normal.setAutoCommit(false);
            s.execute("SELECT 1");
            CompletableFuture<String> later = CompletableFuture.supplyAsync(() -> {
                try (Connection repl = replicationConnection("database"); Statement r = repl.createStatement();
                     ResultSet rs = r.executeQuery("IDENTIFY_SYSTEM")) {
                    rs.next();
                    return rs.getString("dbname");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            TimeUnit.MILLISECONDS.sleep(500);
            assertTrue(!later.isDone(), "the replication client waits while the pool's server is busy");
            normal.commit();
            assertEquals(DB, later.get(30, TimeUnit.SECONDS));
        }
    }

    /** A pool whose first server is a replication one still lets ordinary clients log in (they need its parameters). */
    @Test
    void ordinaryClientsLogInToAPoolOpenedByAReplicationClient() throws Exception {
        pooler.start();
        try (Connection repl = replicationConnection("database"); Statement r = repl.createStatement()) {
            r.execute("IDENTIFY_SYSTEM");
            try (Connection normal = pooler.connect(DB, REPL_USER, REPL_PASSWORD); Statement s = normal.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_user")) {
                assertTrue(rs.next());
                assertEquals(REPL_USER, rs.getString(1));
            }
            r.execute("IDENTIFY_SYSTEM"); // still its own server
        }
    }

    /** As PgBouncer: PostgreSQL's refusal reaches the replication client alone; the pool keeps serving. */
    @Test
    void refusedReplicationLoginFailsOnlyThatClient() throws Exception {
        pooler.start();
        SQLException e = assertThrows(SQLException.class, () -> {
            Properties p = replicationProperties("database");
            pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p).close(); // it_scram has no REPLICATION
        });
        assertTrue(e.getMessage().contains("permission denied to start WAL sender")
                || e.getMessage().contains("must be superuser or replication role"), e.getMessage());
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 42")) {
            assertTrue(rs.next());
            assertEquals(42, rs.getInt(1));
        }
    }

    /** As PgBouncer's janitor: a replication server marked close-needed (RECONNECT) closes at once, its client too. */
    @Test
    void reconnectClosesReplicationConnections() throws Exception {
        pooler.start();
        try (Connection repl = replicationConnection("database"); Statement r = repl.createStatement()) {
            r.execute("IDENTIFY_SYSTEM");
            int pid = walsenderPids().get(0);
            try (Connection admin = admin(); Statement a = admin.createStatement()) {
                a.execute("RECONNECT");
            }
            Await.until(DEADLINE, quietly(() -> !walsenderPids().contains(pid)), "walsender closed by RECONNECT");
            assertThrows(SQLException.class, () -> r.execute("IDENTIFY_SYSTEM"));
        }
    }

    @Test
    void invalidReplicationValueIsRefusedAsPostgresRefusesIt() throws Exception {
        pooler.start();
        SQLException e = assertThrows(SQLException.class,
                () -> pooler.connect(DB, REPL_USER, REPL_PASSWORD, replicationProperties("maybe")).close());
        assertTrue(e.getMessage().contains("invalid value for parameter \"replication\": \"maybe\""), e.getMessage());
    }

    // ---- helpers ----

    private String slot(String name) {
        slotsToDrop.add(name);
        return name;
    }

    private Connection admin() throws SQLException {
        return pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
    }

    private Connection replicationConnection(String replication) throws SQLException {
        return pooler.connect(DB, REPL_USER, REPL_PASSWORD, replicationProperties(replication));
    }

    private static Properties replicationProperties(String replication) {
        Properties p = new Properties();
        PGProperty.REPLICATION.set(p, replication);
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "9.4");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        return p;
    }

    private long totalSent() throws SQLException {
        try (Connection admin = admin()) {
            return rows(admin, "SHOW STATS").stream().filter(r -> r.get("database").equals(DB))
                    .mapToLong(r -> Long.parseLong(r.get("total_sent"))).sum();
        }
    }

    private List<Integer> walsenderPids() throws SQLException {
        List<Integer> pids = new ArrayList<>();
        try (Connection su = pg.connectAsSuperuser("postgres"); Statement s = su.createStatement();
             ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_activity WHERE backend_type = 'walsender' AND usename = '"
                     + REPL_USER + "'")) {
            while (rs.next()) {
                pids.add(rs.getInt(1));
            }
        }
        return pids;
    }

    private static String readUntil(PGReplicationStream stream, String wanted) throws Exception {
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            ByteBuffer msg = stream.readPending();
            if (msg == null) {
                TimeUnit.MILLISECONDS.sleep(10);
                continue;
            }
            String text = new String(msg.array(), msg.arrayOffset() + msg.position(), msg.remaining(), StandardCharsets.UTF_8);
            seen.append(text).append('\n');
            stream.setAppliedLSN(stream.getLastReceiveLSN());
            stream.setFlushedLSN(stream.getLastReceiveLSN());
            if (text.contains(wanted)) {
                return text;
            }
        }
        throw new AssertionError("no " + wanted + " within " + DEADLINE + "; seen: " + seen);
    }

    private String serverLogTail() {
        try {
            String log = pg.serverLog();
            return "PostgreSQL's log ends: " + log.substring(Math.max(0, log.length() - 3000));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int count(Statement s, String table) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "(none)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> part : parts) {
            all.addAll(part);
        }
        return all;
    }

    record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("PGPASSWORD", REPL_PASSWORD);
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
        return new Result(p.exitValue(), out);
    }

    private static String psqlPath() {
        Path psql = PsqlClientTest.psql();
        assertNotNull(psql, "psql (Debian's postgresql-client) is needed");
        return psql.toString();
    }

    /** A client program of Debian's postgresql-client, next to psql. */
    static String tool(String name) {
        Path tool = Path.of(psqlPath()).resolveSibling(name);
        assertTrue(Files.isExecutable(tool), name + " (Debian's postgresql-client) is needed");
        return tool.toString();
    }
}
