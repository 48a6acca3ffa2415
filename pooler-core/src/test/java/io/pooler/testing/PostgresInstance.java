package io.pooler.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real PostgreSQL server for tests: local binaries, or a container when a Docker engine is reachable.
 *
 * <p>Host lines in pg_hba use {@code md5}, which also accepts SCRAM-stored passwords (the server then
 * runs SCRAM), so roles stored either way log in over TCP. The unix socket is {@code trust}.
 */
public interface PostgresInstance {

    /** Always a loopback address for local servers, "127.0.0.1". */
    String host();

    int port();

    /** Directory holding the server's unix socket; empty for a container. */
    Optional<Path> unixSocketDir();

    String superuser();

    String superuserPassword();

    /** {@code jdbc:postgresql://host:port/database}, without credentials. */
    String jdbcUrl(String database);

    /** A new connection over TCP as the superuser; the caller closes it. */
    Connection connectAsSuperuser(String database) throws SQLException;

    /**
     * Makes {@code name} a plain login role with this password, stored with the given
     * {@code password_encryption} ("scram-sha-256" or "md5"). An existing role is reset to the
     * same state (attributes and a freshly hashed password) in place rather than dropped, so
     * databases it owns and sessions it has are kept.
     */
    void createRole(String name, String password, String passwordEncryption) throws SQLException;

    /** Creates the database owned by {@code owner}; if it exists, only makes sure of the owner. */
    void createDatabase(String name, String owner) throws SQLException;

    /** {@code rolpassword} from pg_authid: the stored verifier ("SCRAM-SHA-256$..." or "md5..."), or null. */
    String storedPassword(String role) throws SQLException;

    /**
     * Turns TLS on ({@code ssl = on}) with this PEM certificate and PKCS#8 PEM key, stored next to the data
     * where only the server can read the key, and reloads; returns once new connections can use TLS. Stays on
     * across restarts until {@link #disableTls()}.
     */
    void enableTls(String certificatePem, String privateKeyPem) throws Exception;

    /** Turns TLS off again and reloads; returns once new connections are refused TLS. */
    void disableTls() throws Exception;

    /**
     * Puts a file where the server can read it and nobody else can (PostgreSQL refuses a key file others can
     * read), replacing one of that name; returns its path as the server sees it, for a setting such as
     * {@code ssl_ca_file}.
     */
    String installServerFile(String name, String content) throws IOException;

    /**
     * Sets these server settings with ALTER SYSTEM (a null value resets one) and reloads; returns once new
     * sessions run with them. The caller resets what it set when done: the server is shared.
     */
    void reconfigure(Map<String, String> settings) throws Exception;

    /**
     * Puts these lines ahead of the usual ones in pg_hba, so they are matched first (none: the usual file
     * again), and reloads; returns once new sessions are checked against them. The caller puts the usual
     * file back when done: the server is shared.
     */
    void prependHba(List<String> lines) throws Exception;

    /**
     * Everything the server has logged so far (its stderr: pg_ctl's log file, or the container's output),
     * for tests that check what reached PostgreSQL, with {@code log_statement} set for their own role or
     * database. Bytes that are not UTF-8 come out as U+FFFD.
     */
    String serverLog() throws IOException;

    /** Stops and starts again on the same port, keeping the data. */
    void restart() throws Exception;

    /** Stops the server (fast shutdown); does nothing if it is stopped. */
    void stop() throws Exception;

    /** Starts the server and waits until it accepts connections; does nothing if it is running. */
    void start() throws Exception;
}
