package io.pooler.server.tls;

import io.pooler.config.ConfigLoader;
import io.pooler.config.Settings;
import io.pooler.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TLS settings that cannot work together are refused at load, as PgBouncer refuses them. */
class TlsConfigTest {
    @TempDir
    Path dir;

    private final TestCertificates.Issued ca = TestCertificates.authority("config CA");
    private final TestCertificates.Issued server = TestCertificates.server(ca, "pooler", List.of("localhost"), List.of());

    @Test
    void clientTlsNeedsAKeyAndACertificate() throws Exception {
        assertRefused("client_tls_key_file and client_tls_cert_file", "client_tls_sslmode = require");
    }

    @Test
    void clientVerifyFullNeedsACaFile() throws Exception {
        assertRefused("client_tls_ca_file", "client_tls_sslmode = verify-full", keyAndCert());
    }

    @Test
    void certAuthNeedsVerifiedClientCertificates() throws Exception {
        assertRefused("verify-ca or verify-full", "auth_type = cert", "client_tls_sslmode = require", keyAndCert());
        assertRefused("client_tls_ca_file", "auth_type = cert", "client_tls_sslmode = verify-ca", keyAndCert());
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
        Path otherKey = TestCertificates.authority("other").writePrivateKey(dir.resolve("other.key"));
        Path cert = server.writeCertificate(dir.resolve("server.crt"));

        assertRefused("is not the key of the certificate", "client_tls_sslmode = prefer",
                "client_tls_key_file = " + otherKey, "client_tls_cert_file = " + cert);
    }

    @Test
    void cipherListsTheEngineCannotUseAreRefused() throws Exception {
        assertRefused("supports none of", "server_tls_ciphers = NOT-A-REAL-CIPHER");
        assertRefused("supports none of", "client_tls_sslmode = prefer", keyAndCert(), "client_tls_ciphers = NOT-A-REAL-CIPHER");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void aCipherListBothEnginesKnowLoadsWithoutWarnings(String engine) throws Exception {
        System.setProperty(TlsEngine.PROPERTY, engine);
        try {
            List<String> warnings = new ArrayList<>();
            Path ini = Files.writeString(dir.resolve("pooler.ini"), "[pgbouncer]\nclient_tls_sslmode = prefer\n"
                    + keyAndCert() + "\nclient_tls_ciphers = ECDHE-RSA-AES128-GCM-SHA256:TLS_CHACHA20_POLY1305_SHA256\n");
            TlsConfig.load(ConfigLoader.load(ini).config().settings(), warnings);
            assertEquals(List.of(), warnings);
        } finally {
            System.clearProperty(TlsEngine.PROPERTY);
        }
    }

    @Test
    void serverKeyAndCertificateGoTogether() throws Exception {
        Path key = server.writePrivateKey(dir.resolve("server.key"));

        assertRefused("set both or neither", "server_tls_key_file = " + key);
    }

    @Test
    void serverTlsIdentityFollowsTheCaFilesContent() throws Exception {
        Path caFile = ca.writeCertificate(dir.resolve("ca.crt"));
        String before = load("server_tls_sslmode = verify-ca", "server_tls_ca_file = " + caFile).server().identity();
        TestCertificates.authority("new CA").writeCertificate(caFile);
        String after = load("server_tls_sslmode = verify-ca", "server_tls_ca_file = " + caFile).server().identity();

        assertNotEquals(before, after);
        assertEquals(after, load("server_tls_sslmode = verify-ca", "server_tls_ca_file = " + caFile).server().identity());
    }

    private String keyAndCert() {
        Path key = server.writePrivateKey(dir.resolve("server.key"));
        Path cert = server.writeCertificate(dir.resolve("server.crt"));
        return "client_tls_key_file = " + key + "\nclient_tls_cert_file = " + cert;
    }

    private void assertRefused(String expected, String... lines) throws Exception {
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> load(lines));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private TlsConfig load(String... lines) throws Exception {
        Path ini = Files.writeString(dir.resolve("pooler.ini"), "[pgbouncer]\n" + String.join("\n", lines) + "\n");
        Settings settings = ConfigLoader.load(ini).config().settings();
        return TlsConfig.load(settings, new ArrayList<>());
    }
}
