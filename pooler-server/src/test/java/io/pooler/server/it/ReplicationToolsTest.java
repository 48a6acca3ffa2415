package io.pooler.server.it;

import io.pooler.testing.Postgres;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pg_receivewal and pg_basebackup through the pooler, as PgBouncer's test_physical_rep_pg_receivewal and
 * test_physical_rep_pg_basebackup run them. These programs stream only from a server of their own major
 * version or older, and the machine's are Debian's (postgresql-client 15) while the shared test server is
 * PostgreSQL 17: so this class runs its own server from the Debian installation the programs belong to
 * ({@code /usr/lib/postgresql/N}), with the fixture's settings (wal_level = logical, replication lines in
 * pg_hba.conf). Skipped, saying so, on a machine without that installation.
 */
class ReplicationToolsTest {
    private static final String USER = ReplicationTest.REPL_USER;
    private static final String PASSWORD = ReplicationTest.REPL_PASSWORD;
    private static final String DB = "it_tools";

    private static Path installation;
    private static PostgresInstance pg;
    private PoolerFixture pooler;

    @BeforeAll
    static void startServer() throws Exception {
        installation = debianInstallation();
        Assumptions.assumeTrue(installation != null,
                "no Debian PostgreSQL installation (/usr/lib/postgresql/N with postgres, pg_basebackup and pg_receivewal)");
        pg = Postgres.startLocal(installation);
        pg.createRole(USER, PASSWORD, "scram-sha-256");
        try (Connection su = pg.connectAsSuperuser("postgres"); Statement s = su.createStatement()) {
            s.execute("ALTER ROLE " + USER + " REPLICATION");
        }
        pg.createDatabase(DB, USER);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (pg != null) {
            pg.stop();
        }
    }

    @BeforeEach
    void startPooler() throws Exception {
        pooler = new PoolerFixture(pg).user(USER, PASSWORD).set("log_connections", "1").start();
    }

    @AfterEach
    void stopPooler() {
        pooler.close();
    }

    @Test
    void pgReceivewalCreatesItsSlotStreamsWalAndDropsTheSlot() throws Exception {
        Path dir = Files.createTempDirectory("pg_receivewal-");
        List<String> base = List.of(program("pg_receivewal"), "--dbname", conninfo(), "--slot", "it_receivewal");
        Result created = run(concat(base, List.of("--create-slot")), Duration.ofSeconds(60));
        assertEquals(0, created.exitCode(), created.output());
        ProcessBuilder pb = new ProcessBuilder(concat(base, List.of("--directory", dir.toString(), "--verbose")));
        pb.environment().put("PGPASSWORD", PASSWORD);
        pb.redirectErrorStream(true);
        Path log = Files.createTempFile("pg_receivewal-", ".log");
        pb.redirectOutput(log.toFile());
        Process receive = pb.start();
        // It starts at the segment of the server's position when it connects: write only once it streams.
        io.pooler.testing.Await.until(Duration.ofSeconds(60), io.pooler.testing.Await.quietly(
                () -> replicationState().contains("streaming")), () -> "pg_receivewal streams; its log: " + read(log));
        try (Connection c = pg.connectAsSuperuser(DB); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS wal_source(a int)");
            s.execute("INSERT INTO wal_source SELECT generate_series(1, 10000)");
            s.execute("SELECT pg_switch_wal()");
            s.execute("INSERT INTO wal_source SELECT generate_series(1, 10)");
        }
        // A finished segment (the one pg_switch_wal closed) is renamed from .partial once complete.
        io.pooler.testing.Await.until(Duration.ofSeconds(60), () -> segments(dir).stream().anyMatch(f -> !f.endsWith(".partial")),
                () -> "pg_receivewal wrote " + segments(dir) + "; its log: " + read(log) + "; " + replicationState());
        // SIGINT, on which pg_receivewal stops cleanly (exit 0), as in PgBouncer's test
        new ProcessBuilder("kill", "-INT", String.valueOf(receive.pid())).start().waitFor(10, TimeUnit.SECONDS);
        assertTrue(receive.waitFor(30, TimeUnit.SECONDS), read(log));
        assertEquals(0, receive.exitValue(), read(log));
        Result dropped = run(concat(base, List.of("--drop-slot")), Duration.ofSeconds(60));
        assertEquals(0, dropped.exitCode(), dropped.output());
        try (Connection c = pg.connectAsSuperuser(DB); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots")) {
            rs.next();
            assertEquals(0, rs.getInt(1));
        }
        deleteTree(dir);
    }

    /** With {@code -X stream} pg_basebackup holds two replication connections at once; the backup verifies. */
    @Test
    void pgBasebackupTakesABackupThatVerifies() throws Exception {
        Path dir = Files.createTempDirectory("pg_basebackup-");
        Path target = dir.resolve("backup");
        try {
            Result backup = run(List.of(program("pg_basebackup"), "--dbname", conninfo(), "--checkpoint=fast",
                    "--wal-method=stream", "--pgdata", target.toString(), "--no-sync"), Duration.ofSeconds(180));
            assertEquals(0, backup.exitCode(), backup.output());
            assertTrue(Files.exists(target.resolve("PG_VERSION")), backup.output());
            Result verify = run(List.of(program("pg_verifybackup"), target.toString()), Duration.ofSeconds(120));
            assertEquals(0, verify.exitCode(), verify.output());
            assertTrue(verify.output().contains("successfully verified"), verify.output());
        } finally {
            deleteTree(dir);
        }
    }

    // ---- helpers ----

    private String conninfo() {
        return "host=127.0.0.1 port=" + pooler.port() + " user=" + USER + " dbname=" + DB;
    }

    /** The Debian installation with a server and these client programs, newest first; null if none. */
    private static Path debianInstallation() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(v -> Stream.of("postgres", "initdb", "pg_ctl", "pg_basebackup", "pg_receivewal",
                            "pg_verifybackup").allMatch(p -> Files.isExecutable(v.resolve("bin").resolve(p))))
                    .max(Comparator.comparing(v -> Integer.parseInt(v.getFileName().toString().replaceAll("\\D", "0"))))
                    .orElse(null);
        }
    }

    private static String program(String name) {
        return installation.resolve("bin").resolve(name).toString();
    }

    private static String replicationState() {
        try (Connection c = pg.connectAsSuperuser(DB); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn(), pg_current_wal_flush_lsn(), (SELECT string_agg("
                     + "state || ' sent=' || sent_lsn || ' write=' || coalesce(write_lsn::text, '-'), ', ') FROM pg_stat_replication)")) {
            rs.next();
            return "wal at " + rs.getString(1) + " flushed " + rs.getString(2) + ", senders: " + rs.getString(3);
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static List<String> segments(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of(e.toString());
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("PGPASSWORD", PASSWORD);
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        pb.redirectErrorStream(true);
        Path out = Files.createTempFile("pooler-tool-", ".out");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String output = read(out);
        Files.deleteIfExists(out);
        assertTrue(done, String.join(" ", command) + " did not finish: " + output);
        return new Result(p.exitValue(), output);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
