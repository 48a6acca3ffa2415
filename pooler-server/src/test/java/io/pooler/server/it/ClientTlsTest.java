package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS between clients and the pooler (client_tls_*), with PgJDBC as the client: each sslmode, certificate
 * checks both ways, SCRAM-SHA-256-PLUS and auth_type = cert. Both TLS engines where the engine matters.
 */
@PoolerTest
class ClientTlsTest {
    private static final String ENGINE_PROPERTY = "pooler.tls.engine";

    private final PostgresInstance pg;
    private final TlsFiles files = TlsFiles.get();
    private final PoolerFixture pooler;

    ClientTlsTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD);
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(ENGINE_PROPERTY);
    }

    private PoolerFixture withTls(String mode) {
        return pooler.set("client_tls_sslmode", mode)
                .set("client_tls_key_file", files.poolerKey.toString())
                .set("client_tls_cert_file", files.poolerCert.toString());
    }

    @Test
    void disabledByDefaultAnswersSslRequestWithNo() throws Exception {
        pooler.start();

        assertEquals('N', TlsClients.sslRequestAnswer(pooler.port()));
        assertThrows(SQLException.class, () -> connect(TlsClients.sslmode("require")).close());
        try (Connection c = connect(TlsClients.sslmode("prefer"))) {
            assertEquals(SCRAM_USER, query(c, "select current_user"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"allow", "prefer"})
    void allowAndPreferTakeTlsAndPlainClients(String mode) throws Exception {
        withTls(mode).start();

        assertEquals('S', TlsClients.sslRequestAnswer(pooler.port()));
        try (Connection c = connect(TlsClients.verifyFull(files.caCert))) {
            assertEquals(SCRAM_USER, query(c, "select current_user"));
        }
        try (Connection c = connect(TlsClients.sslmode("disable"))) {
            assertEquals("2", query(c, "select 1 + 1"));
        }
    }

    @Test
    void requireRefusesPlainClients() throws Exception {
        withTls("require").start();

        SQLException refused = assertThrows(SQLException.class, () -> connect(TlsClients.sslmode("disable")).close());
        assertTrue(refused.getMessage().contains("SSL required"), refused.getMessage());
        try (Connection c = connect(TlsClients.sslmode("require"))) {
            assertEquals(SCRAM_USER, query(c, "select current_user"));
        }
    }

    /**
     * A client on TLS cancels its query: PgJDBC opens the cancel's connection as it opened its own
     * (SSLRequest, handshake, then the CancelRequest inside TLS), and the query stops.
     */
    @Test
    void aTlsClientCancelsItsQuery() throws Exception {
        withTls("require").set("pool_mode", "transaction").start();

        try (Connection c = connect(TlsClients.sslmode("require")); Statement s = c.createStatement()) {
            Thread canceller = new Thread(() -> {
                try {
                    Thread.sleep(500); // the query is running by then
                    s.cancel();
                } catch (InterruptedException | SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            canceller.start();
            long start = System.nanoTime();
            SQLException cancelled = assertThrows(SQLException.class, () -> s.execute("select pg_sleep(20)"));
            canceller.join();
            assertEquals("57014", cancelled.getSQLState(), cancelled.toString());
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10, "cancelled, not finished");
            assertEquals("1", query(c, "select 1"), "the connection goes on");
        }
    }

    @Test
    void clientRefusesAPoolerCertificateFromAnotherCa() throws Exception {
        withTls("require").start();

        Properties p = TlsClients.sslmode("verify-ca");
        p.setProperty("sslrootcert", files.otherCaCert.toString());
        assertThrows(SQLException.class, () -> connect(p).close());
    }

    @Test
    void clientVerifyFullChecksThePoolersHostName() throws Exception {
        // A certificate for "localhost" only, and the client connects to 127.0.0.1.
        pooler.set("client_tls_sslmode", "require")
                .set("client_tls_key_file", files.postgresKey.toString())
                .set("client_tls_cert_file", files.postgresCert.toString())
                .start();

        SQLException e = assertThrows(SQLException.class, () -> connect(TlsClients.verifyFull(files.caCert)).close());
        assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("host"), e.getMessage());
        Properties verifyCa = TlsClients.sslmode("verify-ca");
        verifyCa.setProperty("sslrootcert", files.caCert.toString());
        try (Connection c = connect(verifyCa)) {
            assertEquals(SCRAM_USER, query(c, "select current_user"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void verifyModesWantAClientCertificateSignedByTheCa(String engine) throws Exception {
        System.setProperty(ENGINE_PROPERTY, engine);
        withTls("verify-full").set("client_tls_ca_file", files.caCert.toString()).start();

        assertThrows(SQLException.class, () -> connect(TlsClients.verifyFull(files.caCert)).close(), "no client certificate");
        assertThrows(SQLException.class,
                () -> connect(TlsClients.withClientCertificate(files.caCert, files.strangerCert, files.strangerKeyDer)).close(),
                "certificate from another CA");
        try (Connection c = connect(TlsClients.withClientCertificate(files.caCert, files.clientCert, files.clientKeyDer))) {
            assertEquals(SCRAM_USER, query(c, "select current_user"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void scramChannelBindingOverTls(String engine) throws Exception {
        System.setProperty(ENGINE_PROPERTY, engine);
        withTls("require").start();

        // channelBinding=require makes PgJDBC insist on SCRAM-SHA-256-PLUS, bound to the pooler's certificate.
        Properties plus = TlsClients.verifyFull(files.caCert);
        plus.setProperty("channelBinding", "require");
        try (Connection c = connect(plus)) {
            assertEquals(SCRAM_USER, query(c, "select current_user"));
        }
        // Without TLS there is nothing to bind to: no -PLUS, and such a client gives up.
        Properties plain = TlsClients.sslmode("disable");
        plain.setProperty("channelBinding", "require");
        assertThrows(SQLException.class, () -> connect(plain).close());
    }

    @Test
    void scramPassThroughStillWorksOverPlus() throws Exception {
        // The userlist holds PostgreSQL's verifier: the keys the -PLUS exchange reveals log in to PostgreSQL.
        pooler.user(SCRAM_USER, pg.storedPassword(SCRAM_USER));
        withTls("require").start();

        Properties plus = TlsClients.verifyFull(files.caCert);
        plus.setProperty("channelBinding", "require");
        try (Connection c = connect(plus)) {
            assertEquals(SCRAM_USER, query(c, "select session_user"));
        }
    }

    @Test
    void certAuthLogsInTheUserTheCertificateNames() throws Exception {
        pooler.set("auth_type", "cert").user(MD5_USER, TestRoles.MD5_PASSWORD);
        withTls("verify-full").set("client_tls_ca_file", files.caCert.toString()).start();

        // No password is asked for: a wrong one changes nothing.
        Properties certificate = TlsClients.withClientCertificate(files.caCert, files.clientCert, files.clientKeyDer);
        try (Connection c = pooler.connect(DB, SCRAM_USER, "not the password", certificate)) {
            assertEquals(SCRAM_USER, query(c, "select current_user"));
        }
        // The same certificate does not let its holder in as somebody else.
        SQLException e = assertThrows(SQLException.class,
                () -> pooler.connect(DB, MD5_USER, "not the password", certificate).close());
        assertTrue(e.getMessage().contains("certificate authentication failed"), e.getMessage());
    }

    /** hba cert with {@code map=}: the certificate's CommonName logs in as the user the ident map pairs it with. */
    @Test
    void certWithAnIdentMapLogsInTheMappedUser() throws Exception {
        Files.writeString(pooler.dir().resolve("hba.conf"), "hostssl all all 127.0.0.1/32 cert map=certs\n");
        Files.writeString(pooler.dir().resolve("ident.conf"), "certs " + SCRAM_USER + " " + MD5_USER + "\n");
        pooler.set("auth_type", "hba").set("auth_hba_file", "hba.conf").set("auth_ident_file", "ident.conf")
                .user(MD5_USER, TestRoles.MD5_PASSWORD);
        withTls("verify-full").set("client_tls_ca_file", files.caCert.toString()).start();

        Properties certificate = TlsClients.withClientCertificate(files.caCert, files.clientCert, files.clientKeyDer);
        try (Connection c = pooler.connect(DB, MD5_USER, "not the password", certificate)) {
            assertEquals(MD5_USER, query(c, "select current_user"));
        }
        // With a map, the certificate's own name is not enough: the map decides.
        SQLException e = assertThrows(SQLException.class,
                () -> pooler.connect(DB, SCRAM_USER, "not the password", certificate).close());
        assertTrue(e.getMessage().contains("certificate authentication failed"), e.getMessage());
    }

    /**
     * client_tls_ecdhcurve, seen by OpenSSL's own client ({@code s_client -starttls postgres}): a client
     * offering only a curve the setting leaves out cannot finish the handshake; one offering the listed
     * curve gets it. A RELOAD back to {@code auto} serves both.
     */
    @Test
    void ecdhCurveRestrictsTheKeyExchange() throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/openssl").canExecute(), "openssl is not installed");
        Assumptions.assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable(), "the curves are set through the OpenSSL engine");
        withTls("require").set("client_tls_ecdhcurve", "secp384r1").start();

        OpenSslClient p256 = sClient("P-256");
        assertTrue(p256.exitCode() != 0, p256.output());
        OpenSslClient p384 = sClient("P-384");
        assertEquals(0, p384.exitCode(), p384.output());
        assertTrue(p384.output().contains("secp384r1"), p384.output());

        pooler.set("client_tls_ecdhcurve", "auto");
        assertEquals(Optional.empty(), pooler.reload());
        OpenSslClient again = sClient("P-256");
        assertEquals(0, again.exitCode(), again.output());
    }

    private record OpenSslClient(int exitCode, String output) {
    }

    private OpenSslClient sClient(String group) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/openssl", "s_client", "-starttls", "postgres", "-tls1_3",
                "-groups", group, "-connect", "127.0.0.1:" + pooler.port()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "s_client finished");
        return new OpenSslClient(p.exitValue(), out);
    }

    @Test
    void bytesPipelinedBehindSslRequestAreRefused() throws Exception {
        withTls("prefer").start();

        try (Socket socket = new Socket("127.0.0.1", pooler.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // SSLRequest and, without waiting for the answer, a StartupMessage: an injection attempt.
            // One write, so both arrive in one read, as an attacker's injected bytes would.
            java.io.ByteArrayOutputStream both = new java.io.ByteArrayOutputStream();
            both.write(TlsClients.sslRequest());
            both.write(startupMessage(SCRAM_USER, DB));
            out.write(both.toByteArray());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            assertEquals('E', in.readByte());
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            assertTrue(new String(body, StandardCharsets.UTF_8).contains("unencrypted data after SSL request"));
        }
    }

    @Test
    void aBrokenKeyFileOnReloadKeepsTheRunningTlsAndDoesNotShowTheFile() throws Exception {
        java.nio.file.Path key = pooler.dir().resolve("pooler.key");
        Files.copy(files.poolerKey, key);
        withTls("require").set("client_tls_key_file", key.toString()).start();

        String secretLooking = "-----BEGIN PRIVATE KEY-----\nTOPSECRETTOPSECRET\n-----END PRIVATE KEY-----\n";
        Files.writeString(key, secretLooking);
        Optional<String> error = pooler.reload();

        assertTrue(error.isPresent());
        assertTrue(error.get().contains("client_tls_key_file"), error.get());
        assertFalse(error.get().contains("TOPSECRET"), error.get());
        try (Connection c = connect(TlsClients.sslmode("require"))) {
            assertEquals(SCRAM_USER, query(c, "select current_user"));
        }
    }

    @Test
    void psqlOverTlsWithChannelBinding() throws Exception {
        Assumptions.assumeTrue(PsqlClientTest.psql() != null, "psql is not installed on this machine");
        withTls("require").start();

        Psql r = psql(SCRAM_PASSWORD, "sslmode=verify-full sslrootcert=" + files.caCert + " channel_binding=require");

        assertEquals(0, r.exitCode(), r.output());
        assertEquals(SCRAM_USER, r.output().strip());
    }

    @Test
    void psqlWithAClientCertificateUnderCertAuth() throws Exception {
        Assumptions.assumeTrue(PsqlClientTest.psql() != null, "psql is not installed on this machine");
        pooler.set("auth_type", "cert");
        withTls("verify-full").set("client_tls_ca_file", files.caCert.toString()).start();

        Psql r = psql("", "sslmode=verify-full sslrootcert=" + files.caCert + " sslcert=" + files.clientCert
                + " sslkey=" + files.clientKeyPem);

        assertEquals(0, r.exitCode(), r.output());
        assertEquals(SCRAM_USER, r.output().strip());
    }

    // ---- helpers ----

    private record Psql(int exitCode, String output) {
    }

    /** psql with a libpq connection string; prints current_user. */
    private Psql psql(String password, String tlsOptions) throws IOException, InterruptedException {
        String conninfo = "host=127.0.0.1 port=" + pooler.port() + " dbname=" + DB + " user=" + SCRAM_USER + " " + tlsOptions;
        ProcessBuilder pb = new ProcessBuilder(PsqlClientTest.psql().toString(), "-X", "-At", "-c",
                "select current_user", conninfo);
        pb.environment().put("PGPASSWORD", password);
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Psql(p.exitValue(), out);
    }

    private Connection connect(Properties tls) throws SQLException {
        return pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, tls);
    }

    private static byte[] startupMessage(String user, String database) {
        byte[] params = ("user\0" + user + "\0database\0" + database + "\0\0").getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + params.length).putInt(8 + params.length).putInt(196608).put(params).array();
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
