package io.pooler.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link PostgresInstance#enableTls} and {@link PostgresInstance#disableTls} on the shared server. */
class TlsFixtureTest {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @AfterAll
    static void tlsOff(PostgresInstance postgres) throws Exception {
        postgres.disableTls();
    }

    @Test
    void tlsGoesOnWithTheGivenCertificateAndOffAgain(PostgresInstance postgres) throws Exception {
        TestCertificates.Issued ca = TestCertificates.authority("fixture CA");
        TestCertificates.Issued server = TestCertificates.server(ca, "fixture", List.of("localhost"), List.of("127.0.0.1"));
        java.nio.file.Path caFile = ca.writeCertificate(java.nio.file.Files.createTempDirectory("fixture-tls").resolve("ca.crt"));

        postgres.enableTls(server.certificatePem(), server.privateKeyPem());
        // verify-full with our CA: the server shows exactly the certificate we gave it.
        try (Connection c = connect(postgres, "verify-full", caFile.toString())) {
            assertEquals("t", queryString(c, "select ssl from pg_stat_ssl where pid = pg_backend_pid()"));
        }

        postgres.disableTls();
        assertThrows(SQLException.class, () -> connect(postgres, "require", null).close());
    }

    private static Connection connect(PostgresInstance postgres, String sslmode, String rootCert) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", postgres.superuser());
        p.setProperty("password", postgres.superuserPassword());
        p.setProperty("sslmode", sslmode);
        if (rootCert != null) {
            p.setProperty("sslrootcert", rootCert);
        }
        return DriverManager.getConnection(postgres.jdbcUrl("postgres"), p);
    }

    private static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
