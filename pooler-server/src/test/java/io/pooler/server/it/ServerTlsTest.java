package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS between the pooler and PostgreSQL (server_tls_*), against the shared PostgreSQL with ssl = on for
 * the length of this class. Whether a session runs over TLS is PostgreSQL's own word:
 * {@code pg_stat_ssl} for the backend the client's query ran on.
 */
@PoolerTest
class ServerTlsTest implements PostgresWithTls {
    private static final String ENGINE_PROPERTY = "pooler.tls.engine";
    private static final int SSL_REQUEST_CODE = 80877103;
    private static final String SSL_IN_USE = "select ssl from pg_stat_ssl where pid = pg_backend_pid()";

    private final PostgresInstance pg;
    private final TlsFiles files = TlsFiles.get();
    private final PoolerFixture pooler;

    ServerTlsTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD);
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(ENGINE_PROPERTY);
    }

    @Test
    void preferIsTheDefaultAndUsesTlsWhenPostgresOffersIt() throws Exception {
        pooler.start();

        assertEquals("t", sslInUse());
    }

    @Test
    void disableKeepsPlainTcp() throws Exception {
        pooler.set("server_tls_sslmode", "disable").start();

        assertEquals("f", sslInUse());
    }

    @Test
    void requireUsesTls() throws Exception {
        pooler.set("server_tls_sslmode", "require").start();

        assertEquals("t", sslInUse());
    }

    /** PostgreSQL 15 (OpenSSL) prefers AES-GCM among TLS 1.3 suites: ChaCha20 is used only when it is all that is offered. */
    @Test
    void serverTls13CiphersNamesTheSuitesOffered() throws Exception {
        pooler.set("server_tls_sslmode", "require").set("server_tls_protocols", "tlsv1.3")
                .set("server_tls13_ciphers", "TLS_CHACHA20_POLY1305_SHA256").start();

        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select version, cipher from pg_stat_ssl where pid = pg_backend_pid()")) {
            rs.next();
            assertEquals("TLSv1.3", rs.getString(1));
            assertEquals("TLS_CHACHA20_POLY1305_SHA256", rs.getString(2));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void verifyFullChecksTheCertificateAndTheHostName(String engine) throws Exception {
        System.setProperty(ENGINE_PROPERTY, engine);
        pooler.set("server_tls_sslmode", "verify-full").set("server_tls_ca_file", files.caCert.toString())
                .database("*", "host=localhost port=" + pg.port())
                .database("by_address", "host=127.0.0.1 port=" + pg.port() + " dbname=" + DB)
                .start();

        assertEquals("t", sslInUse());
        SQLException e = assertThrows(SQLException.class,
                () -> pooler.connect("by_address", SCRAM_USER, SCRAM_PASSWORD).close());
        assertTrue(e.getMessage().contains("TLS handshake with the server failed"), e.getMessage());
    }

    @Test
    void cancelRequestsReachPostgresOverTls() throws Exception {
        // The pooler's CancelRequest to PostgreSQL goes through the same SSLRequest and handshake as a login:
        // the relay sees every connection start with SSLRequest, and the cancel still works.
        try (FirstBytesProxy relay = new FirstBytesProxy(pg.port())) {
            pooler.set("server_tls_sslmode", "verify-full").set("server_tls_ca_file", files.caCert.toString())
                    .database("*", "host=localhost port=" + relay.port())
                    .start();
            cancelASleepingQuery();

            assertEquals(List.of(SSL_REQUEST_CODE, SSL_REQUEST_CODE), relay.firstCodes(), "a login, then a cancel");
        }
    }

    private void cancelASleepingQuery() throws Exception {
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD); Statement st = c.createStatement()) {
            CompletableFuture<SQLException> sleeping = CompletableFuture.supplyAsync(() -> {
                try {
                    st.execute("select pg_sleep(30)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            Await.until(Duration.ofSeconds(10), quietly(() -> CancelAndReloadTest.sleepingQueries(pg) == 1),
                    "pg_sleep is running");
            st.cancel();
            SQLException e = sleeping.get(10, TimeUnit.SECONDS);
            assertTrue(e != null, "the query was cancelled");
            assertEquals("57014", e.getSQLState());
        }
    }

    @Test
    void verifyCaChecksTheCertificateButNotTheHostName() throws Exception {
        pooler.set("server_tls_sslmode", "verify-ca").set("server_tls_ca_file", files.caCert.toString()).start();

        assertEquals("t", sslInUse());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void verifyCaRefusesACertificateFromAnotherCa(String engine) throws Exception {
        System.setProperty(ENGINE_PROPERTY, engine);
        pooler.set("server_tls_sslmode", "verify-ca").set("server_tls_ca_file", files.otherCaCert.toString()).start();

        SQLException e = assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD).close());
        assertTrue(e.getMessage().contains("TLS handshake with the server failed"), e.getMessage());
    }

    @Test
    void requireGivesUpOnAServerThatRefusesTls() throws Exception {
        // A stand-in PostgreSQL that answers SSLRequest with 'N', as one with ssl = off does.
        try (ServerSocket refusing = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread answerer = new Thread(() -> answerNo(refusing), "refuses-tls");
            answerer.setDaemon(true);
            answerer.start();
            pooler.set("server_tls_sslmode", "require")
                    .database("refusing", "host=127.0.0.1 port=" + refusing.getLocalPort() + " dbname=" + DB)
                    .start();

            SQLException e = assertThrows(SQLException.class,
                    () -> pooler.connect("refusing", SCRAM_USER, SCRAM_PASSWORD).close());
            assertTrue(e.getMessage().contains("server refused TLS"), e.getMessage());
        }
    }

    @Test
    void reloadWithNewServerTlsSettingsReplacesServerConnections() throws Exception {
        pooler.set("server_tls_sslmode", "disable").start();
        assertEquals("f", sslInUse()); // its server connection goes back to the pool, idle

        pooler.set("server_tls_sslmode", "require");
        assertTrue(pooler.reload().isEmpty());

        // Without the reconnect the idle plain-TCP server connection would be reused.
        assertEquals("t", sslInUse());
    }

    @Test
    void setOfServerTlsSslmodeReplacesServerConnections() throws Exception {
        pooler.set("server_tls_sslmode", "disable").set("admin_users", SCRAM_USER).start();
        assertEquals("f", sslInUse());

        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
             Statement s = admin.createStatement()) {
            s.execute("SET server_tls_sslmode = 'require'"); // PgBouncer's admin_set rebuilds TLS at once
        }
        assertEquals("t", sslInUse());
    }

    @Test
    void aReloadNoticesNewContentsOfTheSameCaFile() throws Exception {
        java.nio.file.Path ca = pooler.dir().resolve("server-ca.crt");
        java.nio.file.Files.copy(files.caCert, ca);
        pooler.set("server_tls_sslmode", "verify-ca").set("server_tls_ca_file", ca.toString()).start();
        assertEquals("t", sslInUse()); // its server connection goes back to the pool, idle

        java.nio.file.Files.copy(files.otherCaCert, ca, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(pooler.reload().isEmpty());

        // The idle server verified with the old CA is replaced; the new CA does not trust PostgreSQL.
        SQLException e = assertThrows(SQLException.class, this::sslInUse);
        assertTrue(e.getMessage().contains("TLS handshake with the server failed"), e.getMessage());
    }

    private String sslInUse() throws SQLException {
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(SSL_IN_USE)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void answerNo(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                in.readNBytes(8);
                socket.getOutputStream().write('N');
                socket.getOutputStream().flush();
                in.read(); // wait until the pooler hangs up
            } catch (java.io.IOException e) {
                return;
            }
        }
    }
}
