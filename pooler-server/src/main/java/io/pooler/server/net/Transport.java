package io.pooler.server.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringBufferRingConfig;
import io.netty.channel.uring.IoUringFixedBufferRingAllocator;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which of Netty's transports the event loops and sockets use: io_uring where the kernel allows it, else
 * epoll on Linux, else NIO. Unix domain sockets need one of the two native ones.
 *
 * <p>The system property {@code pooler.transport} ({@code io_uring}, {@code epoll} or {@code nio})
 * picks one; a transport the machine lacks falls back to the next in that order. A kernel or container
 * that forbids io_uring (seccomp, {@code kernel.io_uring_disabled}) makes {@link IoUring#isAvailable()}
 * false, and the startup line says epoll.
 *
 * <p>Why io_uring first: a loop submits its socket operations in batches and collects their
 * completions from one ring instead of making a system call for each, which brought the pooler's CPU
 * per transaction of pgbench -S to PgBouncer's or below (0.72x with one loop, 0.93-1.0x with two), where
 * epoll stays at 1.4-1.5x (README, "Transports"). Its memory per idle client is epoll's within the
 * measurement's noise (Netty's channel objects are some 270 bytes larger; the loop's buffer ring is at
 * most 4 MiB). Netty 4.2.18's io_uring channel needed six workarounds before the test suite passed
 * under it (a moved server's reads, sockets left open at shutdown, a reset after data never seen; see
 * {@link #configureStream(ServerBootstrap)}, ServerConnection.moveTo and PoolerServer.finish; empty
 * writes, an overflowing completion queue and reads that went on after reading was turned off: the
 * static block and {@link #COMPLETION_QUEUE_SIZE}); CI runs the classes that found them under epoll
 * too, so the fallback stays tested. The figures above are with Netty's multishot reads, which the last
 * workaround turns off: single reads cost some CPU more (README, "Transports").
 *
 * <p>Not final: the relay unit tests put a scripted server channel in place of {@link #socketChannel()}.
 */
public class Transport {
    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    /** Linux's IOV_MAX (UIO_MAXIOV): the most buffers one writev takes, and where Netty's IovArray stops adding. */
    static final int IOV_MAX = 1024;
    static final String IOVEC_ARRAY_PROPERTY = "io.netty.iouring.numElementsIoVec";
    static final String RECV_MULTISHOT_PROPERTY = "io.netty.iouring.recvMultiShotEnabled";

    static {
        // NOTE: Netty 4.2.18's io_uring loop gathers the buffers of every write it submits in one pass
        // into one iovec array, by default ten times IOV_MAX entries, and submits and clears it only when
        // all of them are taken; but IovArray stops adding at IOV_MAX. Each socket flushed after the
        // first 1,024 buffers of a pass then submitted a writev of no buffer, which completed with 0
        // bytes and was submitted again at once: hundreds of thousands of empty writes and an overflowing
        // completion queue in a LISTEN fan-out to 1,000 clients (IoUringManyWritesTest). An array of
        // IOV_MAX entries is full exactly when IovArray stops, so the loop submits and clears it then.
        // IoUring reads the property once, as its class initializes: this runs first, since every loop
        // and socket comes from here. A value set on the command line is left alone.
        if (System.getProperty(IOVEC_ARRAY_PROPERTY) == null) {
            System.setProperty(IOVEC_ARRAY_PROPERTY, String.valueOf(IOV_MAX));
        }
        // NOTE: a multishot read (Netty's default where the kernel has it) goes on filling the loop's
        // provided buffers as data arrives, after the pooler has turned reading off, until the cancel
        // the channel then submits lands; and the loop handles those buffers first. Every bound that
        // stops reading a socket (a waiting client's 64 KiB, the budget of waiting clients, a slow
        // client's server) then let in whatever its peer had sent meanwhile: 490 KB of one waiting
        // client instead of 64 KiB and a read (WaitingBudgetTest). One read at a time, each asked for
        // only while reading is on, stops where the pooler says.
        if (System.getProperty(RECV_MULTISHOT_PROPERTY) == null) {
            System.setProperty(RECV_MULTISHOT_PROPERTY, "false");
        }
    }

    public enum Kind {
        IO_URING("io_uring"), EPOLL("epoll"), NIO("nio");

        private final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /**
     * The Linux TCP options PgBouncer sets that the JDK's own channel has no option for. Each native
     * transport names them in its own class, and a channel answers only to its own transport's names.
     */
    public record LinuxTcpOptions(ChannelOption<Integer> keepIdle, ChannelOption<Integer> keepInterval,
                                  ChannelOption<Integer> keepCount, ChannelOption<Integer> userTimeout,
                                  ChannelOption<Integer> deferAccept) {
    }

    private static final LinuxTcpOptions EPOLL_OPTIONS = new LinuxTcpOptions(EpollChannelOption.TCP_KEEPIDLE,
            EpollChannelOption.TCP_KEEPINTVL, EpollChannelOption.TCP_KEEPCNT, EpollChannelOption.TCP_USER_TIMEOUT,
            EpollChannelOption.TCP_DEFER_ACCEPT);
    private static final LinuxTcpOptions IO_URING_OPTIONS = new LinuxTcpOptions(IoUringChannelOption.TCP_KEEPIDLE,
            IoUringChannelOption.TCP_KEEPINTVL, IoUringChannelOption.TCP_KEEPCNT, IoUringChannelOption.TCP_USER_TIMEOUT,
            IoUringChannelOption.TCP_DEFER_ACCEPT);

    /**
     * io_uring reads into buffers the loop provides to the kernel (a buffer ring, one per loop), named
     * by this group id on every socket ({@link #configureStream}). Why: Netty 4.2.18's other way,
     * one buffer submitted with each socket's read, fails an assertion when a socket is closed while
     * that read is cancelled (ConnectQueryCloseChurnTest saw it end an event loop); with provided
     * buffers no buffer is held by a pending read. Also, an idle socket then holds no buffer at all.
     */
    public static final short BUFFER_GROUP = 1;
    /** Buffers in each loop's ring; a power of two, as io_uring requires. */
    private static final short BUFFER_RING_SIZE = 256;
    /** Each provided buffer: 16 KiB, the size PostgreSQL's own socket reads use and most answers fit. */
    private static final int BUFFER_SIZE = 16 * 1024;
    /**
     * Completions each loop's ring holds: 32,768 of 16 bytes, 512 KiB a loop. A pass of a loop can end a
     * write or a read on every socket it holds before it reaps any (a NOTIFY fanned out to every
     * listener, RESUME releasing every waiting client), and Netty's default of 4,096 then overflows at
     * a loop's share of 10,000 clients: the kernel keeps the excess in memory it allocates on the spot
     * and Netty warns on each submission until it is reaped (IoUringManyWritesTest: 6,000 sockets).
     * Linux allows up to 65,536.
     */
    static final int COMPLETION_QUEUE_SIZE = 32_768;

    private final Kind kind;

    protected Transport(Kind kind) {
        this.kind = kind;
    }

    /**
     * epoll on Linux, else NIO, whatever {@code pooler.transport} says: for the bench's load generators,
     * whose own cost should stay what it was in the runs they are compared with.
     */
    public static Transport withoutIoUring() {
        return new Transport(Epoll.isAvailable() ? Kind.EPOLL : Kind.NIO);
    }

    /** The transport {@code pooler.transport} asks for, else the first of io_uring, epoll, NIO the machine has. */
    public static Transport configured() {
        String wanted = System.getProperty("pooler.transport", Boolean.getBoolean("pooler.nio") ? "nio" : "");
        return new Transport(choose(wanted.toLowerCase(Locale.ROOT)));
    }

    static Kind choose(String wanted) {
        if (!wanted.isEmpty() && !List.of("io_uring", "epoll", "nio").contains(wanted)) {
            log.warn("pooler.transport={} is not io_uring, epoll or nio; using the default", wanted);
        }
        boolean nativeWanted = !wanted.equals("nio");
        if (nativeWanted && !wanted.equals("epoll")) {
            if (ioUringUsable()) {
                return Kind.IO_URING;
            }
            String cause = IoUring.isAvailable() ? "the kernel has no provided-buffer rings, which need Linux 5.19"
                    : String.valueOf(IoUring.unavailabilityCause());
            if (wanted.equals("io_uring")) {
                log.warn("pooler.transport=io_uring, but io_uring is not available here ({}); using epoll or NIO", cause);
            } else {
                log.info("io_uring is not available here ({}); using epoll or NIO", cause);
            }
        }
        return nativeWanted && Epoll.isAvailable() ? Kind.EPOLL : Kind.NIO;
    }

    /**
     * Whether the loops can run on io_uring here: the kernel allows it, and it has the provided-buffer
     * rings every socket reads from ({@link #BUFFER_GROUP}; Linux 5.19 and later). Without them Netty
     * 4.2.18's io_uring sockets miss a reset that follows data, so a kernel between Netty's minimum and
     * 5.19 gets epoll, as one that refuses io_uring does.
     */
    public static boolean ioUringUsable() {
        return IoUring.isAvailable() && IoUring.isRegisterBufferRingSupported();
    }

    /**
     * How long the loops stay quiet before they stop: on io_uring a close completes asynchronously,
     * after the ring has cancelled the socket's reads, and loops stopped at once left those sockets
     * open (their PostgreSQL backends stayed, and the next test's counts saw them). Nothing on epoll.
     */
    public long shutdownQuietMillis() {
        return kind == Kind.IO_URING ? 200 : 0;
    }

    public Kind kind() {
        return kind;
    }

    public String name() {
        return kind.label;
    }

    public boolean supportsUnixSockets() {
        return kind != Kind.NIO;
    }

    /**
     * What every stream socket of this transport needs, TCP or Unix, client or server side: on
     * io_uring, the buffer group it reads from ({@link #BUFFER_GROUP}). Nothing on epoll and NIO.
     *
     * <p>NOTE: a channel option, not set in an initializer: Netty reads the group once, as the channel
     * registers, before any initializer runs. Without it a socket waits for POLLIN before each read,
     * and Netty 4.2.18 then never reads again after data followed at once by a reset: the socket's
     * error was announced by the poll that brought the data, and the close was never seen (a client
     * that sent half a message and reset stayed counted; ProtocolFuzzTest, and 53 of 60 sockets in a
     * plain Netty server, bench/results/2026-12-03-2200-io-uring/).
     */
    public ServerBootstrap configureStream(ServerBootstrap bootstrap) {
        return kind == Kind.IO_URING ? bootstrap.childOption(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, BUFFER_GROUP) : bootstrap;
    }

    /** {@link #configureStream(ServerBootstrap)} for the sockets a Bootstrap makes. */
    public Bootstrap configureStream(Bootstrap bootstrap) {
        return kind == Kind.IO_URING ? bootstrap.option(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, BUFFER_GROUP) : bootstrap;
    }

    /** The options of {@link LinuxTcpOptions}; empty on NIO. */
    public Optional<LinuxTcpOptions> linuxTcpOptions() {
        return switch (kind) {
            case IO_URING -> Optional.of(IO_URING_OPTIONS);
            case EPOLL -> Optional.of(EPOLL_OPTIONS);
            case NIO -> Optional.empty();
        };
    }

    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = switch (kind) {
            case IO_URING -> IoUringIoHandler.newFactory(new IoUringIoHandlerConfig()
                    .setCqSize(COMPLETION_QUEUE_SIZE)
                    .setBufferRingConfig(IoUringBufferRingConfig.builder().bufferGroupId(BUFFER_GROUP)
                            .bufferRingSize(BUFFER_RING_SIZE).batchSize(BUFFER_RING_SIZE / 4)
                            .allocator(new IoUringFixedBufferRingAllocator(BUFFER_SIZE)).build()));
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return switch (kind) {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    public Class<? extends Channel> socketChannel() {
        return tcpSocketChannel();
    }

    /** What a server connection's Bootstrap resolves an address it is given with: Netty's default. */
    public AddressResolverGroup<?> serverAddressResolver() {
        return DefaultAddressResolverGroup.INSTANCE;
    }

    /** UDP, for DNS queries (io.pooler.server.dns). */
    public Class<? extends DatagramChannel> datagramChannel() {
        return switch (kind) {
            case IO_URING -> IoUringDatagramChannel.class;
            case EPOLL -> EpollDatagramChannel.class;
            case NIO -> NioDatagramChannel.class;
        };
    }

    /** TCP as a {@link SocketChannel}, for DNS answers too long for UDP. */
    public Class<? extends SocketChannel> tcpSocketChannel() {
        return switch (kind) {
            case IO_URING -> IoUringSocketChannel.class;
            case EPOLL -> EpollSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }

    /** New {@link #tcpSocketChannel()}s, each given the buffer group before it registers. */
    public ChannelFactory<SocketChannel> tcpSocketFactory() {
        ReflectiveChannelFactory<? extends SocketChannel> plain = new ReflectiveChannelFactory<>(tcpSocketChannel());
        return () -> {
            SocketChannel channel = plain.newChannel();
            if (kind == Kind.IO_URING && !channel.config().setOption(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, BUFFER_GROUP)) {
                throw new IllegalStateException("io_uring buffer group not set on " + channel);
            }
            return channel;
        };
    }

    public Class<? extends ServerChannel> serverDomainChannel() {
        return kind == Kind.IO_URING ? IoUringServerDomainSocketChannel.class : EpollServerDomainSocketChannel.class;
    }

    public Class<? extends Channel> domainChannel() {
        return kind == Kind.IO_URING ? IoUringDomainSocketChannel.class : EpollDomainSocketChannel.class;
    }

    /**
     * The uid and pid at the other end of a Unix socket (SO_PEERCRED); empty for any other channel.
     * Netty's two native transports each read it, with no interface in common.
     */
    public static Optional<PeerCredentials> peerCredentials(Channel channel) throws IOException {
        if (channel instanceof IoUringDomainSocketChannel unix) {
            return Optional.of(unix.peerCredentials());
        }
        if (channel instanceof EpollDomainSocketChannel unix) {
            return Optional.of(unix.peerCredentials());
        }
        return Optional.empty();
    }
}
