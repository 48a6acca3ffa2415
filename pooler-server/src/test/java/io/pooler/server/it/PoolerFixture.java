package io.pooler.server.it;

import io.pooler.server.PoolerServer;
import io.pooler.server.client.ClientChannels;
import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One in-process pooler for one test, with its own temp directory holding its pooler.ini and
 * userlist.txt, in front of the shared test PostgreSQL.
 */
public final class PoolerFixture implements AutoCloseable {
    private final PostgresInstance pg;
    private final Path dir;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, String> databases = new LinkedHashMap<>();
    private final Map<String, String> users = new LinkedHashMap<>();
    private final List<String> userlist = new ArrayList<>();
    private final Map<String, String> peers = new LinkedHashMap<>();
    private final int port;
    private PoolerServer server;

    public PoolerFixture(PostgresInstance pg) {
        this.pg = pg;
        try {
            this.dir = Files.createTempDirectory("pooler-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.port = freePort();
        settings.put("listen_addr", "127.0.0.1");
        settings.put("listen_port", String.valueOf(port));
        settings.put("unix_socket_dir", "");
        settings.put("auth_type", "scram-sha-256");
        settings.put("auth_file", "userlist.txt");
        settings.put("pool_mode", "session");
        settings.put("default_pool_size", "5");
        // PgJDBC sends extra_float_digits at startup: PgBouncer users list it here, so do we.
        settings.put("ignore_startup_parameters", "extra_float_digits");
        settings.put("server_login_retry", "1");
        // Two loops unless a test says otherwise, although the shipped default is one: so that clients
        // and servers meet across loops in every test, as they do with worker_threads above 1.
        settings.put("worker_threads", "2");
        database("*", "host=" + pg.host() + " port=" + pg.port());
    }

    public PoolerFixture set(String key, String value) {
        settings.put(key, value);
        return this;
    }

    /** A {@code [peers]} entry: {@code id = connectionString}. */
    public PoolerFixture peer(int id, String connectionString) {
        peers.put(String.valueOf(id), connectionString);
        return this;
    }

    public PoolerFixture database(String name, String connectionString) {
        databases.put(name, connectionString);
        return this;
    }

    /** The [databases] entries, to change before start() or reload(). */
    public Map<String, String> databases() {
        return databases;
    }

    /** A [users] entry: {@code name = settings}, for example {@code pool_mode=transaction query_timeout=5}. */
    public PoolerFixture userSettings(String name, String settings) {
        users.put(name, settings);
        return this;
    }

    /** Adds a userlist.txt line for the user with this stored secret (plain, md5... or SCRAM verifier). */
    public PoolerFixture user(String name, String secret) {
        userlist.removeIf(line -> line.startsWith("\"" + name + "\""));
        userlist.add("\"" + name + "\" \"" + secret + "\"");
        return this;
    }

    public PoolerFixture start() throws Exception {
        writeFiles();
        server = PoolerServer.start(dir.resolve("pooler.ini"));
        return this;
    }

    /** Rewrites the files with the current values and reloads, as SIGHUP does. */
    public java.util.Optional<String> reload() throws IOException {
        writeFiles();
        return server.reload();
    }

    public void writeFiles() throws IOException {
        StringBuilder ini = new StringBuilder("[databases]\n");
        databases.forEach((k, v) -> ini.append(k).append(" = ").append(v).append('\n'));
        if (!users.isEmpty()) {
            ini.append("\n[users]\n");
            users.forEach((k, v) -> ini.append(k).append(" = ").append(v).append('\n'));
        }
        ini.append("\n[pgbouncer]\n");
        settings.forEach((k, v) -> ini.append(k).append(" = ").append(v).append('\n'));
        if (!peers.isEmpty()) {
            ini.append("\n[peers]\n");
            peers.forEach((k, v) -> ini.append(k).append(" = ").append(v).append('\n'));
        }
        Files.writeString(dir.resolve("pooler.ini"), ini);
        Files.writeString(dir.resolve("userlist.txt"), String.join("\n", userlist) + "\n");
    }

    public Path dir() {
        return dir;
    }

    public PoolerServer server() {
        return server;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A PgJDBC connection through the pooler; extended protocol. */
    public Connection connect(String database, String user, String password) throws SQLException {
        return connect(database, user, password, new Properties());
    }

    /** Simple query protocol, as psql and psycopg2 speak. */
    public Connection connectSimple(String database, String user, String password) throws SQLException {
        return connectSimple(database, user, password, new Properties());
    }

    public Connection connectSimple(String database, String user, String password, Properties extra) throws SQLException {
        Properties p = new Properties();
        p.putAll(extra);
        p.setProperty("preferQueryMode", "simple");
        return connect(database, user, password, p);
    }

    public Connection connect(String database, String user, String password, Properties extra) throws SQLException {
        Properties p = new Properties();
        p.putAll(extra);
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.putIfAbsent("connectTimeout", "10");
        p.putIfAbsent("socketTimeout", "30");
        return DriverManager.getConnection(jdbcUrl(database), p);
    }

    public PostgresInstance postgres() {
        return pg;
    }

    /**
     * Stops the pooler, after checking that its count of client connections (what max_client_conn reads)
     * is its open client channels, whatever the test did to them: a count left behind by a close would
     * turn clients away before max_client_conn is reached (and, before the wait looked at the channels,
     * kept a SIGTERM from ever finishing). Not checked once the test itself has shut the pooler down (its
     * loops may be gone).
     */
    @Override
    public void close() {
        if (server == null) {
            return;
        }
        try {
            if (!server.isShuttingDown()) { // a test that shut it down has checked its clients itself
                Await.until(Duration.ofSeconds(10), this::clientCountMatchesChannels, this::clientCountsSeen);
            }
        } finally {
            server.close();
        }
    }

    private boolean clientCountMatchesChannels() {
        int counted = server.clientCount();
        ClientChannels.Census census = server.clientCensus().orTimeout(5, TimeUnit.SECONDS).join();
        return census.closed() == 0 && census.listed() == counted && server.clientCount() == counted;
    }

    private String clientCountsSeen() {
        return server.clientCount() + " client connections counted, channels listed on the loops: "
                + server.clientCensus().orTimeout(5, TimeUnit.SECONDS).join();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
