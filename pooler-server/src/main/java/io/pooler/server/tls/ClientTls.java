package io.pooler.server.tls;

import com.ongres.scram.common.util.TlsServerEndpoint;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.channel.unix.DomainSocketAddress;
import io.pooler.config.SslMode;
import io.pooler.config.Settings;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * TLS towards clients ({@code client_tls_*}): whether an SSLRequest is accepted, whether plain TCP is
 * refused, and the Netty context that does the server side of the handshake. Unix-socket clients never use
 * TLS and are never refused for lacking it, as in PgBouncer.
 *
 * <p>Under verify-ca and verify-full a client must present a certificate signed by
 * {@code client_tls_ca_file} (the JVM's trust store when unset, verify-ca only); the two modes are the
 * same here because a client has no host name to check. Under allow, prefer and require no client
 * certificate is asked for.
 *
 * <p>Immutable; built from the config at startup and at every reload, which re-reads the files.
 */
public final class ClientTls {
    /** The channel-binding hash of the certificate a channel's handshake was started with. */
    private static final AttributeKey<byte[]> TLS_SERVER_END_POINT = AttributeKey.valueOf("pooler.tlsServerEndPoint");

    private final SslMode mode;
    private final SslContext context;
    private final byte[] tlsServerEndPoint;

    private ClientTls(SslMode mode, SslContext context, byte[] tlsServerEndPoint) {
        this.mode = mode;
        this.context = context;
        this.tlsServerEndPoint = tlsServerEndPoint;
    }

    static ClientTls disabled() {
        return new ClientTls(SslMode.DISABLE, null, null);
    }

    static ClientTls load(Settings s, List<String> warnings) throws TlsConfigException {
        SslMode mode = s.clientTlsSslmode();
        if (mode == SslMode.DISABLE) {
            return disabled();
        }
        Path keyFile = s.clientTlsKeyFile().orElse(null);
        Path certFile = s.clientTlsCertFile().orElse(null);
        if (keyFile == null || certFile == null) {
            throw new TlsConfigException("client_tls_sslmode = " + mode.configName()
                    + " needs client_tls_key_file and client_tls_cert_file");
        }
        if (mode == SslMode.VERIFY_FULL && s.clientTlsCaFile().isEmpty()) {
            throw new TlsConfigException("client_tls_sslmode = verify-full needs client_tls_ca_file");
        }
        List<X509Certificate> chain = PemFiles.certificates("client_tls_cert_file", certFile);
        PrivateKey key = PemFiles.privateKey("client_tls_key_file", keyFile);
        KeyPairCheck.check("client_tls_key_file", keyFile, key, "client_tls_cert_file", chain.get(0));
        TlsCiphers ciphers = TlsCiphers.parse("client_tls_ciphers", s.clientTlsCiphers())
                .withTls13("client_tls13_ciphers", s.clientTls13Ciphers());
        ciphers.warning().ifPresent(warnings::add);
        SslProvider provider = TlsEngine.provider(ciphers.limitsTls13() ? "client_tls13_ciphers" : null);
        SslContextBuilder builder = SslContextBuilder.forServer(key, chain)
                .sslProvider(provider)
                .protocols(TlsProtocols.parse("client_tls_protocols", s.clientTlsProtocols()))
                .ciphers(ciphers.names(), ciphers.filter());
        TlsGroups.apply(builder, provider, TlsGroups.parse(s.clientTlsEcdhcurve(), warnings), warnings);
        if (mode.verifiesPeer()) {
            Optional<Path> caFile = s.clientTlsCaFile();
            if (caFile.isPresent()) {
                builder.trustManager(PemFiles.certificates("client_tls_ca_file", caFile.get()));
            }
            builder.clientAuth(ClientAuth.REQUIRE);
        }
        SslContext context;
        try {
            context = builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new TlsConfigException("client TLS setup failed: " + e.getMessage());
        }
        ciphers.checkEnabled("client_tls_ciphers and client_tls13_ciphers", context.cipherSuites(), warnings);
        return new ClientTls(mode, context, channelBindingData(chain.get(0), warnings));
    }

    /** RFC 5929 tls-server-end-point: the certificate's hash, for SCRAM-SHA-256-PLUS. */
    private static byte[] channelBindingData(X509Certificate certificate, List<String> warnings) {
        try {
            return TlsServerEndpoint.getChannelBindingData(certificate);
        } catch (Exception e) {
            // E.g. an Ed25519 certificate, whose signature names no hash: clients get SCRAM without -PLUS.
            warnings.add("client_tls_cert_file: no tls-server-end-point hash for a " + certificate.getSigAlgName()
                    + " certificate; SCRAM-SHA-256-PLUS is not offered");
            return null;
        }
    }

    public SslMode mode() {
        return mode;
    }

    /** True when an SSLRequest on this channel is answered with 'S'. */
    public boolean acceptsSslRequest(Channel channel) {
        return mode != SslMode.DISABLE && !isUnixSocket(channel);
    }

    /** True when this channel must not log in without TLS (require and stricter, TCP only). */
    public boolean requiresTls(Channel channel) {
        return mode.atLeast(SslMode.REQUIRE) && !isUnixSocket(channel);
    }

    /**
     * Answers an SSLRequest with 'S' and puts the TLS handler first in the pipeline; the client's
     * StartupMessage then comes through it. The 'S' is written before the handler is added, so it leaves
     * in the clear as the protocol wants. The future tells how the handshake went.
     */
    public Future<Channel> startTls(Channel channel, long handshakeTimeoutMillis) {
        channel.writeAndFlush(channel.alloc().buffer(1).writeByte('S'));
        // Kept with the channel: a reload before the StartupMessage must not change what SCRAM binds to.
        channel.attr(TLS_SERVER_END_POINT).set(tlsServerEndPoint);
        SslHandler handler = newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        channel.pipeline().addFirst("tls", handler);
        return handler.handshakeFuture();
    }

    SslHandler newHandler(ByteBufAllocator alloc) {
        return context.newHandler(alloc);
    }

    /**
     * The tls-server-end-point channel-binding data of the certificate this channel's TLS runs with; empty
     * for a plain connection, or a certificate without such a hash.
     */
    public static Optional<byte[]> tlsServerEndPoint(Channel channel) {
        // NOTE: hasAttr first, as attr() would give every plain client an attribute map of its own.
        if (!channel.hasAttr(TLS_SERVER_END_POINT)) {
            return Optional.empty();
        }
        return Optional.ofNullable(channel.attr(TLS_SERVER_END_POINT).get()).map(byte[]::clone);
    }

    private static boolean isUnixSocket(Channel channel) {
        return channel.localAddress() instanceof DomainSocketAddress;
    }
}
