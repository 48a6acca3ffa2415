package io.pooler.server.it;

import io.netty.handler.ssl.OpenSsl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.Socket;
import java.security.cert.X509Certificate;

import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * client_tls13_ciphers, as PgBouncer's: only the TLS 1.3 suites it names are accepted from clients. The
 * client is the JDK's own TLS 1.3 client after an SSLRequest, which prefers AES-GCM: it gets ChaCha20
 * only because the pooler allows nothing else. BoringSSL (the openssl engine) cannot limit TLS 1.3 suites:
 * the default engine choice then takes the JDK's for this context, and a forced openssl engine is refused.
 */
@PoolerTest
class Tls13CiphersTest {
    private static final String ENGINE_PROPERTY = "pooler.tls.engine";
    private static final String CHACHA = "TLS_CHACHA20_POLY1305_SHA256";

    private final TlsFiles files = TlsFiles.get();
    private final PoolerFixture pooler;

    Tls13CiphersTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD)
                .set("client_tls_sslmode", "require")
                .set("client_tls_key_file", files.poolerKey.toString())
                .set("client_tls_cert_file", files.poolerCert.toString())
                .set("client_tls_protocols", "tlsv1.3")
                .set("client_tls13_ciphers", CHACHA);
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(ENGINE_PROPERTY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "auto"})
    void onlyTheNamedTls13SuitesAreAccepted(String engine) throws Exception {
        System.setProperty(ENGINE_PROPERTY, engine);
        pooler.start();

        assertEquals(CHACHA, negotiatedSuite(null), "the JDK client's preferred AES suites are not accepted");
        assertThrows(SSLHandshakeException.class, () -> negotiatedSuite("TLS_AES_128_GCM_SHA256"),
                "a client offering only a suite not named is refused");
    }

    @Test
    void theOpensslEngineCannotHonourTheListAndIsRefused() {
        Assumptions.assumeTrue(OpenSsl.isAvailable() && String.valueOf(OpenSsl.versionString()).startsWith("BoringSSL"),
                "the openssl engine is BoringSSL here");
        System.setProperty(ENGINE_PROPERTY, "openssl");
        Exception refused = assertThrows(Exception.class, pooler::start);
        assertTrue(String.valueOf(refused.getMessage()).contains("client_tls13_ciphers"), String.valueOf(refused));
    }

    /** The TLS 1.3 suite a handshake after an SSLRequest settles on; {@code only}: the one suite offered. */
    private String negotiatedSuite(String only) throws Exception {
        try (Socket plain = new Socket("127.0.0.1", pooler.port())) {
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write(TlsClients.sslRequest());
            assertEquals('S', (char) plain.getInputStream().read());
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(null, new TrustManager[] {new TrustingAll()}, null);
            try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "127.0.0.1", pooler.port(), false)) {
                tls.setEnabledProtocols(new String[] {"TLSv1.3"});
                if (only != null) {
                    tls.setEnabledCipherSuites(new String[] {only});
                }
                tls.startHandshake();
                return tls.getSession().getCipherSuite();
            }
        }
    }

    /** Trusts any certificate: this test is about the cipher suite, not the pooler's identity. */
    private static final class TrustingAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
