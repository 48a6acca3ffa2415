package io.pooler.server.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.pooler.config.Settings;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
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
 *
 * <p>TCP_NODELAY is not in the list: Netty's TCP channels (io_uring, epoll and NIO alike) set it when
 * they are made, and setting it again cost every accepted client a system call ({@code TcpSettingsTest}
 * reads it back on both sides). The list is worked out once per {@link Settings}, not per socket: a
 * RELOAD makes new settings, and so a new list.
 */
public final class TcpTuning {
    private static final Logger log = LoggerFactory.getLogger(TcpTuning.class);
    /** PgBouncer's value when tcp_defer_accept is on (the kernel rounds it up to whole SYN-ACK retries). */
    private static final int DEFER_ACCEPT_SECONDS = 1;

    /** The list for the settings last asked for; immutable, so the loops may share it. */
    private static volatile SocketOptions last;

    private record SocketOptions(Settings settings, Transport transport, Map<ChannelOption<?>, Object> options) {
    }

    private TcpTuning() {
    }

    private static Map<ChannelOption<?>, Object> cachedSocketOptions(Settings s, Transport transport) {
        SocketOptions known = last;
        if (known == null || known.settings() != s || known.transport() != transport) {
            known = new SocketOptions(s, transport, socketOptions(s, transport));
            last = known;
        }
        return known.options();
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
        return Collections.unmodifiableMap(options);
    }

    /** A server connection's socket: set before it connects, so the receive buffer counts for the handshake. */
    @SuppressWarnings("unchecked")
    public static Bootstrap tune(Bootstrap b, Settings s, Transport transport) {
        cachedSocketOptions(s, transport).forEach((option, value) -> b.option((ChannelOption<Object>) option, value));
        return b;
    }

    /** A client's accepted TCP socket. */
    @SuppressWarnings("unchecked")
    public static void tune(Channel ch, Settings s, Transport transport) {
        cachedSocketOptions(s, transport).forEach((option, value) -> {
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
