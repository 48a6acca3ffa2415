package io.pooler.server.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.pooler.config.Settings;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * PgBouncer's {@code tune_socket} for TCP sockets, client and server side alike: TCP_NODELAY,
 * tcp_keepalive with tcp_keepidle/keepintvl/keepcnt (each only when above 0, as libusual's
 * {@code socket_set_keepalive}), tcp_user_timeout and tcp_socket_buffer (both SO_SNDBUF and SO_RCVBUF).
 * Read from the settings in force when a socket is made, so a RELOAD applies to new connections.
 * Unix sockets get none of these. The native transports (io_uring, epoll) name the Linux-only ones
 * ({@link Transport.LinuxTcpOptions}); on NIO (not Linux) the keepalive timings go through the JDK's
 * extended socket options, and TCP_USER_TIMEOUT and TCP_DEFER_ACCEPT are not available.
 */
public final class TcpTuning {
    private static final Logger log = LoggerFactory.getLogger(TcpTuning.class);
    /** PgBouncer's value when tcp_defer_accept is on (the kernel rounds it up to whole SYN-ACK retries). */
    private static final int DEFER_ACCEPT_SECONDS = 1;

    private TcpTuning() {
    }

    /** The options for one new TCP socket, in the order PgBouncer sets them. */
    static Map<ChannelOption<?>, Object> socketOptions(Settings s, Transport transport) {
        Optional<Transport.LinuxTcpOptions> linux = transport.linuxTcpOptions();
        Map<ChannelOption<?>, Object> options = new LinkedHashMap<>();
        options.put(ChannelOption.SO_KEEPALIVE, s.tcpKeepalive());
        if (s.tcpKeepalive()) {
            putIfSet(options, linux.map(Transport.LinuxTcpOptions::keepIdle)
                    .orElse(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE)), s.tcpKeepidle());
            putIfSet(options, linux.map(Transport.LinuxTcpOptions::keepInterval)
                    .orElse(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL)), s.tcpKeepintvl());
            putIfSet(options, linux.map(Transport.LinuxTcpOptions::keepCount)
                    .orElse(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT)), s.tcpKeepcnt());
        }
        if (s.tcpUserTimeout() > 0) {
            if (linux.isPresent()) {
                options.put(linux.get().userTimeout(), s.tcpUserTimeout());
            } else {
                log.warn("tcp_user_timeout needs a native transport (Linux); not set");
            }
        }
        putIfSet(options, ChannelOption.SO_SNDBUF, s.tcpSocketBuffer());
        putIfSet(options, ChannelOption.SO_RCVBUF, s.tcpSocketBuffer());
        options.put(ChannelOption.TCP_NODELAY, true);
        return options;
    }

    /** A server connection's socket: set before it connects, so the receive buffer counts for the handshake. */
    @SuppressWarnings("unchecked")
    public static Bootstrap tune(Bootstrap b, Settings s, Transport transport) {
        socketOptions(s, transport).forEach((option, value) -> b.option((ChannelOption<Object>) option, value));
        return b;
    }

    /** A client's accepted TCP socket. */
    @SuppressWarnings("unchecked")
    public static void tune(Channel ch, Settings s, Transport transport) {
        socketOptions(s, transport).forEach((option, value) -> {
            if (!ch.config().setOption((ChannelOption<Object>) option, value)) {
                log.warn("setting {} on {} failed", option, ch);
            }
        });
    }

    /**
     * tcp_defer_accept on a TCP listener; PgBouncer sets it at bind and again on every listener when a
     * RELOAD changes it.
     */
    public static void deferAccept(Channel listener, Settings s, Transport transport) {
        Optional<Transport.LinuxTcpOptions> linux = transport.linuxTcpOptions();
        if (linux.isEmpty()) {
            if (s.tcpDeferAccept()) {
                log.debug("tcp_defer_accept needs a native transport (Linux); not set");
            }
            return;
        }
        if (!listener.config().setOption(linux.get().deferAccept(), s.tcpDeferAccept() ? DEFER_ACCEPT_SECONDS : 0)) {
            log.warn("setting TCP_DEFER_ACCEPT on {} failed", listener);
        }
    }

    private static void putIfSet(Map<ChannelOption<?>, Object> options, ChannelOption<Integer> option, int value) {
        if (value > 0) {
            options.put(option, value);
        }
    }
}
