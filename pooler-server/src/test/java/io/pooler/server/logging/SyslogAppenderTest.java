package io.pooler.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The syslog appender against a stand-in for /dev/log: a Unix datagram socket in a temp directory. */
class SyslogAppenderTest {
    private static final Logger log = LoggerFactory.getLogger("io.pooler.test.syslog");
    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path temp;

    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private EventLoopGroup group;
    private Channel daemon;
    private Path socket;

    @BeforeEach
    void startFakeSyslogDaemon() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "Unix datagram sockets need the epoll transport");
        socket = temp.resolve("log");
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        daemon = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        received.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                })
                .bind(new DomainSocketAddress(socket.toString())).sync().channel();
    }

    @AfterEach
    void stop() {
        LoggingSetup.useSyslog(null);
        if (daemon != null) {
            daemon.close().syncUninterruptibly();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void linesGoOutAsLibcSyslogWritesThem() throws Exception {
        LoggingSetup.useSyslog(new SyslogAppender(socket.toString(), "pgbouncer", "local3"));
        log.info("C-1: shop/alice@10.0.0.5:51234 login attempt: db=shop user=alice tls=no");
        log.warn("S-2: shop/alice@10.0.0.9:5432 closing because: server idle timeout (age=600s)");

        String info = received.poll(5, TimeUnit.SECONDS);
        // local3 is facility 19: 19 * 8 + 6 (info).
        assertTrue(info.matches("<158>[A-Z][a-z]{2} [ 1-3]\\d \\d\\d:\\d\\d:\\d\\d pgbouncer\\[" + PID
                + "]: C-1: shop/alice@10.0.0.5:51234 login attempt: db=shop user=alice tls=no"), info);
        String warning = received.poll(5, TimeUnit.SECONDS);
        assertTrue(warning.startsWith("<156>"), warning);
        assertTrue(warning.endsWith("pgbouncer[" + PID + "]: S-2: shop/alice@10.0.0.9:5432 closing because: server idle timeout (age=600s)"), warning);
    }

    @Test
    void turningSyslogOffStopsSending() throws Exception {
        LoggingSetup.useSyslog(new SyslogAppender(socket.toString(), "pooler", "daemon"));
        log.info("first");
        assertTrue(received.poll(5, TimeUnit.SECONDS).endsWith("pooler[" + PID + "]: first"));
        LoggingSetup.useSyslog(null);
        log.info("second");
        assertNull(received.poll(300, TimeUnit.MILLISECONDS));
    }

    @Test
    void refusesUnknownFacilities() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SyslogAppender(socket.toString(), "pgbouncer", "local9"));
        assertEquals("unknown syslog_facility \"local9\" (auth, authpriv, daemon, user, local0 to local7)", e.getMessage());
    }
}
