package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * server_tls_protocols, against the shared PostgreSQL with ssl = on (which allows TLS 1.2 and 1.3 unless a
 * test narrows it with ssl_min/max_protocol_version): the version of the pooler's server connection is
 * PostgreSQL's own word, {@code pg_stat_ssl} for the backend the client's query ran on. Each test runs on
 * both TLS engines, as their protocol lists are set differently.
 */
@PoolerTest
class ServerTlsProtocolsTest implements PostgresWithTls {
    private static final String ENGINE_PROPERTY = "pooler.tls.engine";
    private static final String MIN = "ssl_min_protocol_version";
    private static final String MAX = "ssl_max_protocol_version";

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    ServerTlsProtocolsTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("server_tls_sslmode", "require");
    }

    @AfterEach
    void tearDown() throws Exception {
        System.clearProperty(ENGINE_PROPERTY);
        postgresAllows(null, null);
    }

    /** PgBouncer's shortcuts: secure and default are TLS 1.2 and 1.3, all and legacy every version. */
    @ParameterizedTest(name = "{0} on {2}")
    @CsvSource({
        "tlsv1.2, TLSv1.2, jdk", "tlsv1.2, TLSv1.2, openssl",
        "tlsv1.3, TLSv1.3, jdk", "tlsv1.3, TLSv1.3, openssl",
        "secure, TLSv1.3, jdk", "secure, TLSv1.3, openssl",
        "default, TLSv1.3, openssl", "all, TLSv1.3, openssl", "legacy, TLSv1.3, jdk",
        "'tlsv1.2,tlsv1.3', TLSv1.3, jdk",
        "'all,!tlsv1.3', TLSv1.2, jdk", "'secure:-tlsv1.3', TLSv1.2, openssl",
    })
    void theServerConnectionUsesTheNewestVersionAllowed(String protocols, String version, String engine)
            throws Exception {
        System.setProperty(ENGINE_PROPERTY, engine);
        pooler.set("server_tls_protocols", protocols).start();

        assertEquals(version, serverTlsVersion());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void secureAndAllReachAPostgresThatStopsAtTls12(String engine) throws Exception {
        System.setProperty(ENGINE_PROPERTY, engine);
        postgresAllows(null, "TLSv1.2");
        pooler.set("server_tls_protocols", "secure").start();

        assertEquals("TLSv1.2", serverTlsVersion());

        pooler.set("server_tls_protocols", "all");
        assertTrue(pooler.reload().isEmpty());
        assertEquals("TLSv1.2", serverTlsVersion());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void onlyTls12AgainstAPostgresThatWantsTls13FailsTheLogin(String engine) throws Exception {
        System.setProperty(ENGINE_PROPERTY, engine);
        postgresAllows("TLSv1.3", null);
        pooler.set("server_tls_protocols", "tlsv1.2").start();

        assertLoginFailsQuickly();
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void onlyTls13AgainstAPostgresThatStopsAtTls12FailsTheLogin(String engine) throws Exception {
        System.setProperty(ENGINE_PROPERTY, engine);
        postgresAllows(null, "TLSv1.2");
        pooler.set("server_tls_protocols", "tlsv1.3").start();

        assertLoginFailsQuickly();
    }

    /** The client is told, well before its own timeouts (10 s to connect, 30 s to read): no hang. */
    private void assertLoginFailsQuickly() {
        SQLException e = assertTimeoutPreemptively(Duration.ofSeconds(8),
                () -> assertThrows(SQLException.class, this::serverTlsVersion));
        assertTrue(e.getMessage().contains("TLS handshake with the server failed"), e.getMessage());
    }

    /** PostgreSQL's ssl_min/max_protocol_version; null resets one to its default (TLSv1.2 and none). */
    private void postgresAllows(String min, String max) throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(MIN, min);
        settings.put(MAX, max);
        pg.reconfigure(settings);
    }

    private String serverTlsVersion() throws SQLException {
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select version from pg_stat_ssl where pid = pg_backend_pid()")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
