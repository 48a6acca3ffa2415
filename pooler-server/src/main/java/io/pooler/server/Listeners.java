package io.pooler.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.UnixChannelOption;
import io.pooler.config.Settings;
import io.pooler.server.net.TcpTuning;
import io.pooler.server.net.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The listening sockets: every address of {@code listen_addr} on {@code listen_port}, and the unix
 * socket in {@code unix_socket_dir} with its mode and group; closed all at once, or the TCP ones first
 * (a shutdown keeps the unix socket for the console until the exit). Bound at startup by the caller's
 * thread, closed from any thread.
 */
final class Listeners {
    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    private final Transport transport;
    /** Guarded by itself: SHOW FDS and RELOAD read it while a shutdown may be closing some. */
    private final List<Channel> open = new ArrayList<>();
    /** The port of the first TCP listener; -1 when there is none. */
    private volatile int tcpPort = -1;

    Listeners(Transport transport) {
        this.transport = transport;
    }

    /** Binds every listener {@code s} asks for, with {@code bootstrap}'s loops and child handler. */
    void bind(ServerBootstrap bootstrap, Settings s) throws Exception {
        for (String entry : ListenAddresses.entries(s.listenAddr())) {
            bindTcp(bootstrap, s, entry);
        }
        String dir = s.unixSocketDir();
        if (dir != null && !dir.isBlank()) {
            if (!transport.supportsUnixSockets()) {
                log.warn("unix_socket_dir is set but unix sockets need a native transport (io_uring or epoll); not listening on {}", dir);
            } else {
                bindUnix(bootstrap, s, Path.of(dir, ".s.PGSQL." + s.listenPort()));
            }
        }
        if (all().isEmpty()) {
            throw new IllegalStateException("nothing to listen on: set listen_addr or unix_socket_dir");
        }
    }

    /** One listen_addr entry: every address it resolves to, on listen_port (all on the same port when 0). */
    private void bindTcp(ServerBootstrap bootstrap, Settings s, String entry) throws Exception {
        for (InetAddress address : ListenAddresses.resolve(entry)) {
            int port = tcpPort > 0 && s.listenPort() == 0 ? tcpPort : s.listenPort();
            Channel ch;
            try {
                ch = bindTcp(bootstrap, s, new InetSocketAddress(address, port));
            } catch (Exception e) {
                if (!entry.equals(ListenAddresses.ALL)) {
                    throw e;
                }
                log.info("cannot listen on [::] ({}), using 0.0.0.0", e.getMessage());
                ch = bindTcp(bootstrap, s, new InetSocketAddress(ListenAddresses.IPV4_ANY, port));
            }
            InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
            tcpPort = tcpPort > 0 ? tcpPort : bound.getPort();
            add(ch);
            log.info("listening on {}", describe(bound));
        }
    }

    private Channel bindTcp(ServerBootstrap bootstrap, Settings s, InetSocketAddress address) throws Exception {
        // The accepted sockets' TCP options are set by the child handler (TcpTuning), TCP ones only.
        ServerBootstrap b = bootstrap.clone().channel(transport.serverChannel());
        if (s.soReuseport() && transport.supportsUnixSockets()) {
            b.option(UnixChannelOption.SO_REUSEPORT, true);
        }
        Channel listener = b.bind(address).sync().channel();
        TcpTuning.deferAccept(listener, s, transport);
        return listener;
    }

    private void bindUnix(ServerBootstrap bootstrap, Settings s, Path socket) throws Exception {
        Files.deleteIfExists(socket);
        Channel ch = bootstrap.clone().channel(transport.serverDomainChannel())
                .bind(new DomainSocketAddress(socket.toString())).sync().channel();
        setSocketMode(socket, s.unixSocketMode());
        add(ch);
        s.unixSocketGroup().ifPresent(group -> setSocketGroup(socket, group));
        log.info("listening on unix:{}", socket);
    }

    /** RELOAD's new tcp_defer_accept, on the open TCP listeners. */
    void applyDeferAccept(Settings s) {
        all().stream().filter(ch -> ch.localAddress() instanceof InetSocketAddress)
                .forEach(ch -> TcpTuning.deferAccept(ch, s, transport));
    }

    /** The TCP port bound (the first listener's), or -1 when listening only on the unix socket. */
    int tcpPort() {
        return tcpPort;
    }

    /** The listening channels still open (SHOW FDS). */
    List<Channel> all() {
        synchronized (open) {
            return List.copyOf(open);
        }
    }

    /**
     * Closes the TCP listeners ({@code tcpOnly}) or all of them, and removes the unix socket files.
     * {@code onLoop}: the caller runs on an event loop, which must not wait for a close.
     */
    void close(boolean tcpOnly, boolean onLoop) {
        List<Channel> closing;
        synchronized (open) {
            closing = open.stream().filter(ch -> !tcpOnly || !(ch.localAddress() instanceof DomainSocketAddress))
                    .toList();
            open.removeAll(closing);
        }
        for (Channel ch : closing) {
            if (onLoop) {
                ch.close();
            } else {
                ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            if (ch.localAddress() instanceof DomainSocketAddress unix) {
                try {
                    Files.deleteIfExists(Path.of(unix.path()));
                } catch (IOException e) {
                    log.debug("could not remove {}", unix.path());
                }
            }
        }
    }

    private void add(Channel ch) {
        synchronized (open) {
            open.add(ch);
        }
    }

    private static String describe(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** As PgBouncer, an unknown group stops startup: the socket's access depends on it. */
    private static void setSocketGroup(Path socket, String group) {
        try {
            var groupPrincipal = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(groupPrincipal);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot give " + socket + " to unix_socket_group \"" + group + "\": " + e, e);
        }
    }

    private static void setSocketMode(Path socket, int mode) {
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(permissions(mode)));
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("could not set mode of {}: {}", socket, e.getMessage());
        }
    }

    private static String permissions(int mode) {
        String chars = "rwxrwxrwx";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (1 << (8 - i))) != 0 ? chars.charAt(i) : '-');
        }
        return sb.toString();
    }
}
