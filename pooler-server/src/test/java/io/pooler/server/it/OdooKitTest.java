package io.pooler.server.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pooler.pool.PoolSnapshot;
import io.pooler.server.PoolerServer;
import io.pooler.server.RuntimeConfigLoader;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * conf/odoo/ as shipped: pooler.ini with only the PostgreSQL address and the listening port
 * replaced, userlist.txt untouched (PostgreSQL's odoo role is given the kit's example verifier), and
 * the credentials and process counts read from odoo.conf. Checks what an operator meets first: a
 * start without warnings, the console for the shipped admin and stats users over TCP and the unix
 * socket, and Odoo 16-18's connection patterns (README.md, Pooler for Odoo) within the kit's pools.
 */
@ExtendWith(PostgresExtension.class)
class OdooKitTest {
    private static final Path KIT = Path.of("../conf/odoo");
    // The example passwords userlist.txt's comments give for its console users.
    private static final String ADMIN = "pooler_admin";
    private static final String ADMIN_PASSWORD = "admin-example-only";
    private static final String STATS = "pooler_stats";
    private static final String STATS_PASSWORD = "stats-example-only";
    private static final int REQUESTS_PER_WORKER = 20;
    /** Every this many requests also trigger a cron (ir_cron._notifydb). */
    private static final int CRON_TRIGGER_EVERY = 4;

    private final PostgresInstance pg;
    private Path dir;
    private int port;
    private Map<String, String> odooConf;
    private ListAppender<ILoggingEvent> captured;
    private PoolerServer pooler;

    OdooKitTest(PostgresInstance pg) {
        this.pg = pg;
    }

    @BeforeEach
    void startPoolerOnTheKit() throws Exception {
        port = freePort();
        dir = Files.createTempDirectory("pooler-odoo-kit-");
        String ini = replaceAll(Files.readString(KIT.resolve("pooler.ini")),
                "host=127.0.0.1 port=5432", "host=" + pg.host() + " port=" + pg.port(), 2);
        ini = replaceAll(ini, "listen_port = 6432", "listen_port = " + port, 1);
        Files.writeString(dir.resolve("pooler.ini"), ini);
        Files.copy(KIT.resolve("userlist.txt"), dir.resolve("userlist.txt"));
        odooConf = readOdooConf(KIT.resolve("odoo.conf"));
        createOdooRoleAndDatabase();

        captured = new ListAppender<>();
        captured.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        captured.start();
        ((Logger) LoggerFactory.getLogger("io.pooler")).addAppender(captured);
        pooler = PoolerServer.start(dir.resolve("pooler.ini"));
    }

    @AfterEach
    void tearDown() {
        if (pooler != null) {
            pooler.close();
        }
        ((Logger) LoggerFactory.getLogger("io.pooler")).detachAppender(captured);
    }

    @Test
    void startsWithoutWarningsLoggingToStderr() throws Exception {
        assertEquals(List.of(), warnings(), "warnings at startup");
        var settings = RuntimeConfigLoader.load(dir.resolve("pooler.ini")).config().config().settings();
        // Run by hand, a logfile in a directory that does not exist stops Pooler at startup.
        assertEquals(Optional.empty(), settings.logfile(), "logs go to stderr (and the journal under systemd)");
        assertEquals("/tmp", settings.unixSocketDir());
        assertTrue(Files.exists(Path.of("/tmp", ".s.PGSQL." + port)), "the unix socket is on");
    }

    @Test
    void shippedConsoleUsersAnswerShowPoolsOverTcp() throws Exception {
        try (Connection admin = connect(port, "pgbouncer", ADMIN, ADMIN_PASSWORD);
             Connection stats = connect(port, "pgbouncer", STATS, STATS_PASSWORD)) {
            assertTrue(AdminRows.columns(admin, "SHOW POOLS").contains("sv_active:int4"));
            AdminRows.rows(stats, "SHOW POOLS");
            AdminRows.rows(stats, "SHOW STATS");
            AdminRows.rows(admin, "RELOAD");
            SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                    () -> AdminRows.rows(stats, "RELOAD"));
            assertEquals("42501", refused.getSQLState(), "stats_users may only SHOW");
        }
    }

    @Test
    void shippedConsoleUsersAnswerShowPoolsOverTheUnixSocket() throws Exception {
        Path psql = PsqlClientTest.psql();
        Assumptions.assumeTrue(psql != null, "psql is not installed on this machine");
        for (String[] user : new String[][] {{ADMIN, ADMIN_PASSWORD}, {STATS, STATS_PASSWORD}}) {
            ProcessBuilder pb = new ProcessBuilder(psql.toString(), "-X", "-At", "-h", "/tmp", "-p", String.valueOf(port),
                    "-U", user[0], "-d", "pgbouncer", "-c", "SHOW POOLS");
            pb.environment().put("PGPASSWORD", user[1]);
            pb.environment().put("PGCONNECT_TIMEOUT", "10");
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), user[0] + ": " + out);
        }
    }

    /**
     * odoo.conf's workers and cron workers, and one gevent process, each with its own connections,
     * sending what Odoo sends: DISCARD ALL at every reuse of a kept connection, REPEATABLE READ
     * transactions with savepoints, multi-statement queries and FOR UPDATE NOWAIT, SET SESSION
     * lock_timeout at the registry load, a fresh "postgres" connection per pg_notify after commit,
     * and the LISTENers that live as long as their process.
     */
    @Test
    void odooConnectionPatternsRunWithinTheKitsPools() throws Exception {
        int workers = Integer.parseInt(odooConf.get("workers"));
        int crons = Integer.parseInt(odooConf.get("max_cron_threads"));
        String database = odooConf.get("db_name");
        try (Connection su = pg.connectAsSuperuser(database)) {
            execute(su, "DROP TABLE IF EXISTS kit_res");
            execute(su, "CREATE TABLE kit_res (id int PRIMARY KEY, val int NOT NULL DEFAULT 0)");
            execute(su, "INSERT INTO kit_res (id) SELECT generate_series(1, " + workers * (REQUESTS_PER_WORKER + 1) + ")");
            execute(su, "ALTER TABLE kit_res OWNER TO " + odooConf.get("db_user"));
        }
        Map<String, Integer> peakServers = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService processes = Executors.newCachedThreadPool();
        try (Connection gevent = odooConnect("postgres")) {
            listen(gevent, "imbus");
            List<Connection> cronListeners = new ArrayList<>();
            for (int c = 0; c < crons; c++) {
                Connection cron = odooConnect("postgres");
                cronListeners.add(cron);
                inTransaction(cron, "SELECT pg_is_in_recovery()", "LISTEN cron_trigger");
            }
            try (Connection su = pg.connectAsSuperuser("postgres")) {
                assertEquals(1, countOf(su, "SELECT count(*) FROM pg_stat_activity WHERE datname = 'postgres'"
                        + " AND query ILIKE '%LISTEN%' AND pid <> pg_backend_pid()"), "one server listens for the gevent process and every cron");
            }
            Future<?> sampler = processes.submit(() -> samplePeakServers(running, peakServers));
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int worker = w;
                done.add(processes.submit(() -> {
                    httpWorker(worker, database);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(3, TimeUnit.MINUTES);
            }
            int requests = workers * REQUESTS_PER_WORKER;
            assertEquals(requests, receive(gevent, requests), "every bus notification reached the gevent process");
            for (Connection cron : cronListeners) {
                assertEquals(requests / CRON_TRIGGER_EVERY, receive(cron, requests / CRON_TRIGGER_EVERY),
                        "every cron trigger reached each cron worker");
                cron.close();
            }
            running.set(false);
            sampler.get(30, TimeUnit.SECONDS);
        } finally {
            processes.shutdownNow();
        }
        try (Connection su = pg.connectAsSuperuser(database);
             ResultSet rs = su.createStatement().executeQuery("SELECT sum(val) FROM kit_res")) {
            rs.next();
            assertEquals(workers * REQUESTS_PER_WORKER, rs.getInt(1), "every request's update committed");
        }
        // The kit's limits: max_db_connections 4 for "postgres", 24 for each business database.
        assertTrue(peakServers.getOrDefault("postgres", 0) <= 4, peakServers.toString());
        assertTrue(peakServers.getOrDefault(database, 0) <= 24, peakServers.toString());
        for (PoolSnapshot pool : pooler.poolSnapshots()) {
            int servers = pool.svActive() + pool.svIdle() + pool.svUsed() + pool.svTested() + pool.svLogin();
            assertTrue(servers <= (pool.key().database().equals("postgres") ? 4 : 24), pool.toString());
        }
        assertEquals(List.of(), warnings(), "warnings or errors while Odoo ran");
    }

    /** One prefork HTTP worker: its kept business connection, and a fresh "postgres" one per notify. */
    private void httpWorker(int worker, String database) throws SQLException {
        try (Connection business = odooConnect(database)) {
            for (int request = 0; request < REQUESTS_PER_WORKER; request++) {
                if (request > 0) {
                    // ConnectionPool.borrow -> psycopg2 connection.reset() on a kept connection.
                    execute(business, "DISCARD ALL");
                }
                int row = worker * (REQUESTS_PER_WORKER + 1) + request + 1;
                int locked = worker * (REQUESTS_PER_WORKER + 1) + REQUESTS_PER_WORKER + 1;
                String savepoint = '"' + UUID.randomUUID().toString() + '"';
                List<String> transaction = new ArrayList<>();
                if (request == 0) {
                    // load_modules, odoo/modules/loading.py: the registry load of this process.
                    transaction.add("SET SESSION lock_timeout = '15s'");
                }
                transaction.addAll(List.of(
                        "SELECT id, val FROM kit_res WHERE id = " + row,
                        "SAVEPOINT " + savepoint,
                        "UPDATE kit_res SET val = val + 1 WHERE id = " + row + "; SELECT val FROM kit_res WHERE id = " + row,
                        "RELEASE SAVEPOINT " + savepoint,
                        "SELECT id FROM kit_res WHERE id = " + locked + " FOR UPDATE NOWAIT"));
                inTransaction(business, transaction.toArray(String[]::new));
                // Post-commit hooks: each opens, uses and closes its own "postgres" connection.
                notifyThroughPostgres("imbus", "[[\"" + database + "\",\"res.partner\"," + worker + "]]");
                if (request % CRON_TRIGGER_EVERY == 0) {
                    notifyThroughPostgres("cron_trigger", database);
                }
            }
        }
    }

    private void notifyThroughPostgres(String channel, String payload) throws SQLException {
        try (Connection postgres = odooConnect("postgres")) {
            inTransaction(postgres, "SELECT pg_notify('" + channel + "', '" + payload.replace("'", "''") + "')");
        }
    }

    /** What psycopg2 sends for one Odoo cursor transaction: BEGIN with Odoo's isolation level first. */
    private static void inTransaction(Connection c, String... statements) throws SQLException {
        execute(c, "BEGIN ISOLATION LEVEL REPEATABLE READ");
        for (String sql : statements) {
            execute(c, sql);
        }
        execute(c, "COMMIT");
    }

    private static void listen(Connection c, String channel) throws SQLException {
        inTransaction(c, "listen " + channel);
    }

    /** The most server connections PostgreSQL saw per database for the odoo role, every 50 ms. */
    private Void samplePeakServers(AtomicBoolean running, Map<String, Integer> peak) throws Exception {
        try (Connection su = pg.connectAsSuperuser("postgres"); Statement s = su.createStatement()) {
            while (running.get()) {
                try (ResultSet rs = s.executeQuery("SELECT datname, count(*) FROM pg_stat_activity WHERE usename = '"
                        + odooConf.get("db_user") + "' GROUP BY datname")) {
                    while (rs.next()) {
                        peak.merge(rs.getString(1), rs.getInt(2), Math::max);
                    }
                }
                Thread.sleep(50); // the sampling period of a peak watch
            }
        }
        return null;
    }

    private List<String> warnings() {
        return captured.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    /** PostgreSQL's odoo role with the very verifier userlist.txt ships, and odoo.conf's database. */
    private void createOdooRoleAndDatabase() throws Exception {
        String role = odooConf.get("db_user");
        String verifier = Files.readAllLines(KIT.resolve("userlist.txt")).stream()
                .filter(line -> line.startsWith("\"" + role + "\""))
                .map(line -> line.substring(line.indexOf(" \"") + 2, line.length() - 1))
                .findFirst().orElseThrow();
        String database = odooConf.get("db_name");
        try (Connection su = pg.connectAsSuperuser("postgres")) {
            if (!exists(su, "SELECT 1 FROM pg_roles WHERE rolname = '" + role + "'")) {
                execute(su, "CREATE ROLE " + role + " LOGIN PASSWORD '" + verifier + "'");
            }
            if (!exists(su, "SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
                execute(su, "CREATE DATABASE " + database + " OWNER " + role);
            }
        }
    }

    private static boolean exists(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next();
        }
    }

    /** [options] of odoo.conf, with db_port pointed at this test's Pooler. */
    private Map<String, String> readOdooConf(Path file) throws IOException {
        Map<String, String> options = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (!line.startsWith(";") && !line.startsWith("[") && eq > 0) {
                options.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        assertEquals("6432", options.get("db_port"), "odoo.conf points at pooler.ini's listen_port");
        assertEquals("127.0.0.1", options.get("db_host"));
        options.put("db_port", String.valueOf(port));
        return options;
    }

    private static String replaceAll(String text, String target, String replacement, int expected) {
        int found = text.split(java.util.regex.Pattern.quote(target), -1).length - 1;
        assertEquals(expected, found, "occurrences of '" + target + "' in the kit");
        return text.replace(target, replacement);
    }

    private static int receive(Connection listener, int expected) throws SQLException {
        int received = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received < expected && System.nanoTime() < deadline) {
            PGNotification[] batch = listener.unwrap(PGConnection.class).getNotifications(500);
            received += batch == null ? 0 : batch.length;
        }
        return received;
    }

    /** As Odoo connects with odoo.conf's db_host, db_port, db_user and db_password. */
    private Connection odooConnect(String database) throws SQLException {
        return connect(Integer.parseInt(odooConf.get("db_port")), database, odooConf.get("db_user"), odooConf.get("db_password"));
    }

    private static Connection connect(int port, String database, String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        // psycopg2 speaks the simple query protocol, as Odoo does.
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
    }

    private static int countOf(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
