package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.Properties;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client TLS changed on a running pooler, as PgBouncer allows: switched on and off, and its CA replaced,
 * by RELOAD; and by the console's SET, which builds the TLS contexts again (PgBouncer's admin_set and
 * sbuf_tls_setup) and, when that fails, keeps the running TLS with PgBouncer's notice. Existing
 * connections are kept either way.
 */
@PoolerTest
class TlsReloadTest {
    private final TlsFiles files = TlsFiles.get();
    private final PoolerFixture pooler;

    TlsReloadTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER);
    }

    @Test
    void reloadSwitchesClientTlsOnAndOff() throws Exception {
        pooler.start();
        assertEquals('N', TlsClients.sslRequestAnswer(pooler.port()));
        try (Connection before = connect(TlsClients.sslmode("disable"))) {
            pooler.set("client_tls_sslmode", "require").set("client_tls_key_file", files.poolerKey.toString())
                    .set("client_tls_cert_file", files.poolerCert.toString());
            assertTrue(pooler.reload().isEmpty());

            assertEquals('S', TlsClients.sslRequestAnswer(pooler.port()));
            SQLException plain = assertThrows(SQLException.class, () -> connect(TlsClients.sslmode("disable")).close());
            assertTrue(plain.getMessage().contains("SSL required"), plain.getMessage());
            try (Connection c = connect(TlsClients.verifyFull(files.caCert))) {
                assertEquals(SCRAM_USER, queryString(c, "select current_user"));
            }
            assertEquals("1", queryString(before, "select 1"), "a plain client connected before is kept");

            pooler.set("client_tls_sslmode", "disable");
            assertTrue(pooler.reload().isEmpty());
            assertEquals('N', TlsClients.sslRequestAnswer(pooler.port()));
            try (Connection c = connect(TlsClients.sslmode("disable"))) {
                assertEquals("2", queryString(c, "select 2"));
            }
        }
    }

    @Test
    void reloadReplacesTheClientCa() throws Exception {
        pooler.set("client_tls_sslmode", "verify-ca").set("client_tls_key_file", files.poolerKey.toString())
                .set("client_tls_cert_file", files.poolerCert.toString())
                .set("client_tls_ca_file", files.otherCaCert.toString()).start();
        Properties ours = TlsClients.withClientCertificate(files.caCert, files.clientCert, files.clientKeyDer);
        Properties stranger = TlsClients.withClientCertificate(files.caCert, files.strangerCert, files.strangerKeyDer);
        assertThrows(SQLException.class, () -> connect(ours).close(), "our CA is not trusted yet");
        try (Connection c = connect(stranger)) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }

        pooler.set("client_tls_ca_file", files.caCert.toString());
        assertTrue(pooler.reload().isEmpty());

        try (Connection c = connect(ours)) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }
        assertThrows(SQLException.class, () -> connect(stranger).close(), "the old CA is no longer trusted");
    }

    @Test
    void setOfATlsKeyAppliesAtOnceOrKeepsTheRunningTlsWithANotice() throws Exception {
        pooler.set("client_tls_key_file", files.poolerKey.toString())
                .set("client_tls_cert_file", files.poolerCert.toString()).start();
        assertEquals('N', TlsClients.sslRequestAnswer(pooler.port()));
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
             Statement s = admin.createStatement()) {
            s.execute("SET client_tls_sslmode = 'require'");
            assertNull(s.getWarnings());
            assertEquals('S', TlsClients.sslRequestAnswer(pooler.port()));
            try (Connection c = connect(TlsClients.verifyFull(files.caCert))) {
                assertEquals(SCRAM_USER, queryString(c, "select current_user"));
            }

            s.execute("SET client_tls_key_file = '" + pooler.dir().resolve("missing.key") + "'");
            SQLWarning notice = s.getWarnings();
            assertNotNull(notice, "a notice says the TLS settings were not applied");
            assertEquals("TLS settings could not be applied, still using old configuration", notice.getMessage());
            try (Connection c = connect(TlsClients.verifyFull(files.caCert))) {
                assertEquals(SCRAM_USER, queryString(c, "select current_user"), "the running TLS is kept");
            }
        }
    }

    private Connection connect(Properties tls) throws SQLException {
        return pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, tls);
    }

}
