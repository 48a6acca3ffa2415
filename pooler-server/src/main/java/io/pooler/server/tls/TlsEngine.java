package io.pooler.server.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which TLS implementation Netty uses: OpenSSL (BoringSSL from netty-tcnative) where its native library
 * loads, the JDK's otherwise. Measured with {@code io.pooler.bench.TlsEngineBench}, BoringSSL does several
 * times the full handshakes per second of the JDK and two to four times its bulk encryption, so it is the
 * default. The system property {@code pooler.tls.engine} ({@code jdk}, {@code openssl}, {@code auto})
 * overrides the choice; it is read each time the TLS config is loaded.
 *
 * <p>BoringSSL always offers TLS 1.3's default suites (it has no call to choose them), so a context with
 * {@code client_tls13_ciphers} or {@code server_tls13_ciphers} set is built on the JDK's engine under
 * {@code auto}, and refused under {@code openssl}.
 */
final class TlsEngine {
    static final String PROPERTY = "pooler.tls.engine";
    private static final Logger log = LoggerFactory.getLogger(TlsEngine.class);
    private static volatile SslProvider lastLogged;

    private TlsEngine() {
    }

    /** @param tls13Key the *_tls13_ciphers key when it names suites, else null */
    static SslProvider provider(String tls13Key) throws TlsConfigException {
        String wanted = System.getProperty(PROPERTY, "auto");
        boolean boringSsl = OpenSsl.isAvailable() && String.valueOf(OpenSsl.versionString()).startsWith("BoringSSL");
        if (tls13Key != null && boringSsl) {
            if (wanted.equals("openssl")) {
                throw new TlsConfigException(tls13Key + " is set, but the openssl engine (BoringSSL) cannot limit "
                        + "TLS 1.3 cipher suites: use -D" + PROPERTY + "=auto or jdk");
            }
            if (wanted.equals("auto")) {
                log.info("TLS engine for {}: JDK (BoringSSL cannot limit TLS 1.3 cipher suites)", tls13Key);
                return SslProvider.JDK;
            }
        }
        SslProvider provider = switch (wanted) {
            case "jdk" -> SslProvider.JDK;
            case "openssl" -> {
                if (!OpenSsl.isAvailable()) {
                    throw new TlsConfigException("-D" + PROPERTY + "=openssl, but OpenSSL is unavailable: "
                            + OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
            case "auto" -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
            default -> throw new TlsConfigException("-D" + PROPERTY + "=" + wanted + ": expected jdk, openssl or auto");
        };
        if (lastLogged != provider) {
            lastLogged = provider;
            log.info("TLS engine: {}", provider == SslProvider.OPENSSL
                    ? "OpenSSL (" + OpenSsl.versionString() + ") via netty-tcnative" : "JDK");
        }
        return provider;
    }
}
