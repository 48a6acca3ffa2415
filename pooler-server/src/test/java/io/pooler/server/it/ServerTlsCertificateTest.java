package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static io.pooler.server.it.TestRoles.CERT_USER;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * server_tls_cert_file and server_tls_key_file: the client certificate the pooler presents to PostgreSQL.
 * For this class the shared PostgreSQL runs with ssl = on, asks TLS clients for a certificate signed by the
 * test CA (ssl_ca_file), and admits {@link TestRoles#CERT_USER} by certificate only (pg_hba {@code hostssl
 * ... cert}, and {@code reject} without TLS). What PostgreSQL saw is its own word: {@code pg_stat_ssl}'s
 * client_dn for the backend the client's query ran on.
 */
@PoolerTest
class ServerTlsCertificateTest implements PostgresWithTls {
    private static final String ENGINE_PROPERTY = "pooler.tls.engine";
    private static final String CERT_USER_PASSWORD = "the pooler's password, never asked for by PostgreSQL";
    private static final String SEEN = "select current_user, client_dn from pg_stat_ssl where pid = pg_backend_pid()";

    private final TlsFiles files = TlsFiles.get();
    private final PoolerFixture pooler;

    ServerTlsCertificateTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).user(CERT_USER, CERT_USER_PASSWORD)
                .set("server_tls_sslmode", "require");
    }

    @BeforeAll
    static void postgresAdmitsTheCertUserByCertificateOnly(PostgresInstance pg) throws Exception {
        pg.createRole(CERT_USER, "not the pooler's password", "scram-sha-256");
        String ca = pg.installServerFile("pooler-test-client-ca.crt", Files.readString(TlsFiles.get().caCert));
        pg.reconfigure(Collections.singletonMap("ssl_ca_file", ca));
        pg.prependHba(List.of("hostssl all " + CERT_USER + " 127.0.0.1/32 cert",
                "host all " + CERT_USER + " 127.0.0.1/32 reject"));
    }

    @AfterAll
    static void postgresAsBefore(PostgresInstance pg) throws Exception {
        pg.prependHba(List.of());
        pg.reconfigure(Collections.singletonMap("ssl_ca_file", null));
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(ENGINE_PROPERTY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void postgresSeesTheCertificateOfServerTlsCertFile(String engine) throws Exception {
        System.setProperty(ENGINE_PROPERTY, engine);
        pooler.set("server_tls_cert_file", files.clientCert.toString())
                .set("server_tls_key_file", files.clientKeyPem.toString()).start();

        assertEquals(List.of(SCRAM_USER, "/CN=" + SCRAM_USER), seenBy(SCRAM_USER, SCRAM_PASSWORD));
    }

    @Test
    void withoutServerTlsCertFileNoCertificateIsPresented() throws Exception {
        pooler.start();

        List<String> seen = seenBy(SCRAM_USER, SCRAM_PASSWORD);
        assertEquals(SCRAM_USER, seen.get(0));
        assertNull(seen.get(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void aRoleAdmittedByCertificateOnlyLogsInWithIt(String engine) throws Exception {
        System.setProperty(ENGINE_PROPERTY, engine);
        pooler.set("server_tls_cert_file", files.certUserCert.toString())
                .set("server_tls_key_file", files.certUserKeyPem.toString()).start();

        assertEquals(List.of(CERT_USER, "/CN=" + CERT_USER), seenBy(CERT_USER, CERT_USER_PASSWORD));
    }

    @Test
    void aRoleAdmittedByCertificateOnlyIsRefusedWithoutOne() throws Exception {
        pooler.start();

        SQLException e = assertThrows(SQLException.class, () -> seenBy(CERT_USER, CERT_USER_PASSWORD));
        assertTrue(e.getMessage().contains("connection requires a valid client certificate"), e.getMessage());
    }

    @Test
    void aReloadThatAddsTheCertificateReplacesTheServers() throws Exception {
        pooler.start();
        assertNull(seenBy(SCRAM_USER, SCRAM_PASSWORD).get(1)); // its server connection goes back to the pool, idle

        pooler.set("server_tls_cert_file", files.certUserCert.toString())
                .set("server_tls_key_file", files.certUserKeyPem.toString());
        assertTrue(pooler.reload().isEmpty());

        assertEquals(List.of(CERT_USER, "/CN=" + CERT_USER), seenBy(CERT_USER, CERT_USER_PASSWORD));
        assertEquals(List.of(SCRAM_USER, "/CN=" + CERT_USER), seenBy(SCRAM_USER, SCRAM_PASSWORD));
    }

    /** current_user and the client certificate's subject PostgreSQL saw, for a session through the pooler. */
    private List<String> seenBy(String user, String password) throws SQLException {
        try (Connection c = pooler.connect(DB, user, password);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(SEEN)) {
            rs.next();
            return Arrays.asList(rs.getString(1), rs.getString(2));
        }
    }
}
