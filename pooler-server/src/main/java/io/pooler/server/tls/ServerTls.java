package io.pooler.server.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.pooler.config.SslMode;
import io.pooler.config.Settings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * TLS towards PostgreSQL ({@code server_tls_*}). Every mode but disable sends an SSLRequest first (allow
 * too, as PgBouncer); require and stricter give up when the server says no. allow, prefer and require do
 * not check the server's certificate; verify-ca checks it against {@code server_tls_ca_file} (the JVM's
 * trust store when unset); verify-full also checks that it names the host of the database entry.
 *
 * <p>Immutable; built at startup and at every reload.
 */
public final class ServerTls {
    private final SslMode mode;
    private final SslContext context;
    /** Settings and file contents; a reload that changes it reconnects the servers, as PgBouncer does. */
    private final String identity;

    private ServerTls(SslMode mode, SslContext context, String identity) {
        this.mode = mode;
        this.context = context;
        this.identity = identity;
    }

    static ServerTls load(Settings s, List<String> warnings) throws TlsConfigException {
        SslMode mode = s.serverTlsSslmode();
        if (mode == SslMode.DISABLE) {
            return new ServerTls(mode, null, mode.configName());
        }
        TlsCiphers ciphers = TlsCiphers.parse("server_tls_ciphers", s.serverTlsCiphers())
                .withTls13("server_tls13_ciphers", s.serverTls13Ciphers());
        ciphers.warning().ifPresent(warnings::add);
        List<String> protocols = TlsProtocols.parse("server_tls_protocols", s.serverTlsProtocols());
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(TlsEngine.provider(ciphers.limitsTls13() ? "server_tls13_ciphers" : null))
                .protocols(protocols)
                .ciphers(ciphers.names(), ciphers.filter());
        Optional<Path> caFile = s.serverTlsCaFile();
        if (!mode.verifiesPeer()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (caFile.isPresent()) {
            builder.trustManager(PemFiles.certificates("server_tls_ca_file", caFile.get()));
        }
        // Netty 4.2 checks host names by default; only verify-full asks for it.
        builder.endpointIdentificationAlgorithm(mode == SslMode.VERIFY_FULL ? "HTTPS" : null);
        Optional<Path> keyFile = s.serverTlsKeyFile();
        Optional<Path> certFile = s.serverTlsCertFile();
        if (keyFile.isPresent() != certFile.isPresent()) {
            throw new TlsConfigException("server_tls_key_file and server_tls_cert_file go together: set both or neither");
        }
        if (keyFile.isPresent()) {
            List<X509Certificate> chain = PemFiles.certificates("server_tls_cert_file", certFile.get());
            PrivateKey key = PemFiles.privateKey("server_tls_key_file", keyFile.get());
            KeyPairCheck.check("server_tls_key_file", keyFile.get(), key, "server_tls_cert_file", chain.get(0));
            builder.keyManager(key, chain);
        }
        String identity = String.join("|", mode.configName(), String.join(",", protocols), s.serverTlsCiphers(),
                s.serverTls13Ciphers(), digest(caFile), digest(keyFile), digest(certFile));
        SslContext context;
        try {
            context = builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new TlsConfigException("server TLS setup failed: " + e.getMessage());
        }
        ciphers.checkEnabled("server_tls_ciphers and server_tls13_ciphers", context.cipherSuites(), warnings);
        return new ServerTls(mode, context, identity);
    }

    public SslMode mode() {
        return mode;
    }

    /** True when the pooler asks PostgreSQL for TLS before logging in (every mode but disable). */
    public boolean requestsTls() {
        return mode != SslMode.DISABLE;
    }

    /** True when a server that refuses TLS is not logged in to over plain TCP. */
    public boolean requiresTls() {
        return mode.atLeast(SslMode.REQUIRE);
    }

    /** What a reload compares: different values mean existing server connections use old TLS settings. */
    public String identity() {
        return identity;
    }

    /** A handler for one connection to {@code host}; the host is checked under verify-full and sent as SNI. */
    SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        return context.newHandler(alloc, host, port);
    }

    /** SHA-256 of a file's bytes, so that a reload notices new contents under the same name. */
    private static String digest(Optional<Path> file) throws TlsConfigException {
        if (file.isEmpty()) {
            return "";
        }
        byte[] bytes = null;
        try {
            bytes = Files.readAllBytes(file.get());
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (IOException e) {
            throw new TlsConfigException(file.get() + ": cannot read the file (" + e.getClass().getSimpleName() + ")");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            if (bytes != null) {
                Arrays.fill(bytes, (byte) 0);
            }
        }
    }
}
