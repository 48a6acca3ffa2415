package io.pooler.server.tls;

import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** client_tls_protocols / client_tls_ciphers (and their server_ twins) as PgBouncer writes them. */
class TlsSettingsTest {

    @Test
    void protocolShortcutsListsAndExclusions() throws Exception {
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), TlsProtocols.parse("p", "secure"));
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), TlsProtocols.parse("p", ""));
        assertEquals(List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"), TlsProtocols.parse("p", "all"));
        assertEquals(List.of("TLSv1.3"), TlsProtocols.parse("p", "tlsv1.3"));
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), TlsProtocols.parse("p", "TLSv1.3, tlsv1.2"));
        assertEquals(List.of("TLSv1.2"), TlsProtocols.parse("p", "secure:!tlsv1.3"));
        assertThrows(TlsConfigException.class, () -> TlsProtocols.parse("p", "sslv3"));
        assertThrows(TlsConfigException.class, () -> TlsProtocols.parse("p", "tlsv1.2,-tlsv1.2"));
    }

    @Test
    void cipherKeywordsMeanTheEngineDefaults() throws Exception {
        for (String word : List.of("default", "secure", "fast", "normal", "")) {
            TlsCiphers ciphers = TlsCiphers.parse("c", word);
            assertNull(ciphers.names(), word);
            assertTrue(ciphers.warning().isEmpty(), word);
        }
        assertSame(IdentityCipherSuiteFilter.INSTANCE_DEFAULTING_TO_SUPPORTED_CIPHERS, TlsCiphers.parse("c", "all").filter());
    }

    @Test
    void cipherNamesInEitherSpellingKeepTls13() throws Exception {
        TlsCiphers ciphers = TlsCiphers.parse("c", "ECDHE-RSA-AES128-GCM-SHA256:TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");

        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"), ciphers.names());
    }

    @Test
    void tls13SuitesAreNamedOrTheDefaultsStay() throws Exception {
        TlsCiphers defaults = TlsCiphers.parse("c", "default");
        assertSame(defaults, defaults.withTls13("c13", ""));
        assertFalse(defaults.limitsTls13());

        TlsCiphers chacha = defaults.withTls13("c13", "TLS_CHACHA20_POLY1305_SHA256");
        assertTrue(chacha.limitsTls13());
        assertEquals(List.of("TLS_CHACHA20_POLY1305_SHA256"), chacha.requested());
        TlsCiphers listed = TlsCiphers.parse("c", "ECDHE-RSA-AES128-GCM-SHA256")
                .withTls13("c13", "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256"), listed.names(), "the TLS 1.3 defaults give way to the list");
        TlsConfigException unknown = assertThrows(TlsConfigException.class,
                () -> defaults.withTls13("c13", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        assertTrue(unknown.getMessage().contains("c13"), unknown.getMessage());
    }

    @Test
    void openSslExpressionsFallBackToTheDefaultsWithAWarning() throws Exception {
        TlsCiphers ciphers = TlsCiphers.parse("client_tls_ciphers", "HIGH:!aNULL:!MD5");

        assertNull(ciphers.names());
        assertTrue(ciphers.warning().orElseThrow().contains("client_tls_ciphers"));
    }

    @Test
    void ecdhCurveNamesInOpenSslAndNistSpelling() throws Exception {
        java.util.List<String> warnings = new java.util.ArrayList<>();
        assertEquals(List.of(), TlsGroups.parse("auto", warnings));
        assertEquals(List.of("P-384", "P-256", "X25519"), TlsGroups.parse("secp384r1:prime256v1, P-256,x25519", warnings));
        assertTrue(warnings.isEmpty());
        assertEquals(List.of(), TlsGroups.parse("none", warnings));
        assertTrue(warnings.get(0).contains("client_tls_ecdhcurve = none"), warnings.toString());
        assertThrows(TlsConfigException.class, () -> TlsGroups.parse("brainpoolP256r1", warnings));
    }
}
