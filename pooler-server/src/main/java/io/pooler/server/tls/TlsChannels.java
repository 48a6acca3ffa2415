package io.pooler.server.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

import java.util.Optional;
import javax.net.ssl.SSLSession;

/** What a channel's TLS handler tells: its session once the handshake is done, and how to show it. */
public final class TlsChannels {
    private TlsChannels() {
    }

    /** True when TLS has been started on the channel (its handshake may still be running). */
    public static boolean hasTls(Channel channel) {
        return channel.pipeline().get(SslHandler.class) != null;
    }

    /** The TLS session after a successful handshake; empty on a plain connection. */
    public static Optional<SSLSession> session(Channel channel) {
        SslHandler handler = channel.pipeline().get(SslHandler.class);
        if (handler == null || !handler.handshakeFuture().isSuccess()) {
            return Optional.empty();
        }
        return Optional.of(handler.engine().getSession());
    }

    /** The innermost message of a failed handshake, e.g. "Empty client certificate chain". */
    public static String describeFailure(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** {@code TLSv1.3/TLS_AES_256_GCM_SHA384}, or {@code no}: how log_connections shows a login's TLS. */
    public static String describe(Channel channel) {
        return session(channel).map(s -> s.getProtocol() + "/" + s.getCipherSuite()).orElse("no");
    }
}
