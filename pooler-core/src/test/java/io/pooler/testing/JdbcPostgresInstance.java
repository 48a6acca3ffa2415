package io.pooler.testing;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/** What every {@link PostgresInstance} does the same way: superuser work over PgJDBC. */
abstract class JdbcPostgresInstance implements PostgresInstance {

    private static final Set<String> PASSWORD_ENCRYPTIONS = Set.of("scram-sha-256", "md5");
    private static final String DUPLICATE_DATABASE = "42P04";

    /** pg_hba as the server started with it, read before {@link #prependHba} first changes it. */
    private String usualHba;

    @Override
    public String superuser() {
        return ServerSettings.SUPERUSER;
    }

    @Override
    public String superuserPassword() {
        return ServerSettings.SUPERUSER_PASSWORD;
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
    }

    @Override
    public Connection connectAsSuperuser(String database) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", superuser());
        properties.setProperty("password", superuserPassword());
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("ApplicationName", "pooler-test-fixture");
        return DriverManager.getConnection(jdbcUrl(database), properties);
    }

    @Override
    public void createRole(String name, String password, String passwordEncryption) throws SQLException {
        if (!PASSWORD_ENCRYPTIONS.contains(passwordEncryption)) {
            throw new IllegalArgumentException("password_encryption must be one of " + PASSWORD_ENCRYPTIONS
                    + ", not " + passwordEncryption);
        }
        if (name.equals(superuser())) {
            throw new IllegalArgumentException("createRole would take superuser away from " + name);
        }
        try (Connection connection = connectAsSuperuser("postgres");
                Statement statement = connection.createStatement()) {
            statement.execute("SET password_encryption = " + literal(passwordEncryption));
            String verb = roleExists(connection, name) ? "ALTER ROLE " : "CREATE ROLE ";
            // Every attribute spelled out, so an existing role ends up exactly like a new one.
            statement.execute(verb + identifier(name) + " WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
                    + " NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 VALID UNTIL 'infinity'"
                    + " PASSWORD " + literal(password));
        }
    }

    @Override
    public void createDatabase(String name, String owner) throws SQLException {
        try (Connection connection = connectAsSuperuser("postgres");
                Statement statement = connection.createStatement()) {
            try {
                statement.execute("CREATE DATABASE " + identifier(name) + " OWNER " + identifier(owner));
            } catch (SQLException e) {
                if (!DUPLICATE_DATABASE.equals(e.getSQLState())) {
                    throw e;
                }
                statement.execute("ALTER DATABASE " + identifier(name) + " OWNER TO " + identifier(owner));
            }
        }
    }

    @Override
    public String storedPassword(String role) throws SQLException {
        try (Connection connection = connectAsSuperuser("postgres");
                PreparedStatement query = connection.prepareStatement(
                        "SELECT rolpassword FROM pg_authid WHERE rolname = ?")) {
            query.setString(1, role);
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    throw new SQLException("no role named " + role);
                }
                return row.getString(1);
            }
        }
    }

    @Override
    public void enableTls(String certificatePem, String privateKeyPem) throws Exception {
        String certificate = installServerFile("pooler-test-server.crt", certificatePem);
        String key = installServerFile("pooler-test-server.key", privateKeyPem);
        try (Connection connection = connectAsSuperuser("postgres");
                Statement statement = connection.createStatement()) {
            statement.execute("ALTER SYSTEM SET ssl_cert_file = " + literal(certificate));
            statement.execute("ALTER SYSTEM SET ssl_key_file = " + literal(key));
            statement.execute("ALTER SYSTEM SET ssl = on");
            statement.execute("SELECT pg_reload_conf()");
        }
        awaitSsl("on");
    }

    @Override
    public void disableTls() throws Exception {
        try (Connection connection = connectAsSuperuser("postgres");
                Statement statement = connection.createStatement()) {
            statement.execute("ALTER SYSTEM RESET ssl");
            statement.execute("ALTER SYSTEM RESET ssl_cert_file");
            statement.execute("ALTER SYSTEM RESET ssl_key_file");
            statement.execute("SELECT pg_reload_conf()");
        }
        awaitSsl("off");
    }

    @Override
    public void reconfigure(Map<String, String> settings) throws Exception {
        try (Connection connection = connectAsSuperuser("postgres");
                Statement statement = connection.createStatement()) {
            for (Map.Entry<String, String> setting : settings.entrySet()) {
                String name = identifier(setting.getKey());
                statement.execute(setting.getValue() == null ? "ALTER SYSTEM RESET " + name
                        : "ALTER SYSTEM SET " + name + " = " + literal(setting.getValue()));
            }
        }
        reloadAndAwait();
    }

    @Override
    public synchronized void prependHba(List<String> lines) throws Exception {
        try (Connection connection = connectAsSuperuser("postgres")) {
            if (usualHba == null) {
                usualHba = queryString(connection, "SELECT pg_read_file(current_setting('hba_file'))");
            }
            String contents = lines.isEmpty() ? usualHba : String.join("\n", lines) + "\n" + usualHba;
            writeServerFile(connection, queryString(connection, "SHOW hba_file"), contents);
        }
        reloadAndAwait();
    }

    /**
     * Writes a file as the server's own user, through a large object (lo_export, superuser only): the
     * same way whether the server runs here or in a container, and the file keeps its owner and mode.
     */
    private static void writeServerFile(Connection connection, String path, String contents) throws SQLException {
        long object;
        try (PreparedStatement create = connection.prepareStatement("SELECT lo_from_bytea(0, convert_to(?, 'UTF8'))")) {
            create.setString(1, contents);
            try (ResultSet row = create.executeQuery()) {
                row.next();
                object = row.getLong(1);
            }
        }
        try (PreparedStatement export = connection.prepareStatement("SELECT lo_export(?::oid, ?), lo_unlink(?::oid)")) {
            export.setLong(1, object);
            export.setString(2, path);
            export.setLong(3, object);
            export.executeQuery().close();
        }
    }

    /**
     * Reloads and waits until a new session runs with what was reloaded: pg_conf_load_time moves on once
     * the server has read its settings, and a session forked after that also gets the pg_hba and TLS
     * context read in the same reload.
     */
    private void reloadAndAwait() throws IOException, SQLException, InterruptedException {
        String before;
        try (Connection connection = connectAsSuperuser("postgres")) {
            before = queryString(connection, "SELECT pg_conf_load_time()::text");
            queryString(connection, "SELECT pg_reload_conf()::text");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        do {
            try (Connection connection = connectAsSuperuser("postgres")) {
                if (!queryString(connection, "SELECT pg_conf_load_time()::text").equals(before)) {
                    return;
                }
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new IOException("the server did not reload its configuration within 30 s; " + diagnostics());
    }

    private static String queryString(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getString(1);
        }
    }

    /** A reload is asynchronous: wait until a new session sees the new value of {@code ssl}. */
    private void awaitSsl(String expected) throws IOException, SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String current;
        do {
            try (Connection connection = connectAsSuperuser("postgres");
                    Statement statement = connection.createStatement();
                    ResultSet row = statement.executeQuery("SHOW ssl")) {
                row.next();
                current = row.getString(1);
            }
            if (current.equals(expected)) {
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new IOException("ssl is still " + current + " after a reload; " + diagnostics());
    }

    /** Where to look when the server misbehaves, for exception messages. */
    abstract String diagnostics();

    /**
     * Waits until a superuser login and a query succeed. Retrying a real login, not just a TCP
     * connect, is what tells that the server has finished recovery and accepts sessions.
     */
    void awaitAcceptingConnections(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SQLException last;
        do {
            try (Connection connection = connectAsSuperuser("postgres");
                    Statement statement = connection.createStatement()) {
                statement.execute("SELECT 1");
                return;
            } catch (SQLException e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for PostgreSQL on port " + port(), e);
            }
        } while (System.nanoTime() < deadline);
        throw new IOException("PostgreSQL on port " + port() + " did not accept connections within "
                + timeout.toSeconds() + " s; " + diagnostics(), last);
    }

    private static boolean roleExists(Connection connection, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            query.setString(1, name);
            try (ResultSet row = query.executeQuery()) {
                return row.next();
            }
        }
    }

    /** A string literal; standard_conforming_strings is on, so only quotes need doubling. */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
