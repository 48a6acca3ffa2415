package io.pooler.server.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.pooler.server.net.Transport.Kind;
import io.pooler.testing.Await;
import io.pooler.testing.NettyLogWatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One io_uring loop that flushes several buffers to each of many sockets in one pass, as a LISTEN
 * fan-out does: every byte must arrive, and the loop's completion queue must not overflow.
 *
 * <p>Why: Netty 4.2.18's loop gathers every socket's buffers of one pass into one shared iovec array
 * of ten times IOV_MAX entries, but stops adding at IOV_MAX (1,024). The sockets flushed after that
 * point submitted writes of no buffer at all, each of which completed at once with 0 bytes and was
 * submitted again, hundreds of thousands of times in ListenAtScaleTest, and overflowed the queue
 * (Netty's "CompletionQueue overflow detected" warning, some 1,500 times per run). {@link Transport}
 * sizes the array to IOV_MAX, so a full array is submitted and cleared before the next socket's write.
 */
class IoUringManyWritesTest {
    private static final int BUFFER_BYTES = 32;

    private final List<EventLoopGroup> groups = new ArrayList<>();

    @AfterEach
    void stopLoops() throws InterruptedException {
        for (EventLoopGroup group : groups) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    /** 8,000 buffers a pass: with Netty's default iovec array, 440 overflow warnings and empty writes. */
    @Test
    void aLoopFlushingManyBuffersToManySocketsInOnePassDeliversThemWithoutOverflowingItsRing() throws Exception {
        flushToEverySocketInOnePass(1_000, 8, 40);
    }

    /**
     * One write to each of 6,000 sockets in one pass, as a fan-out to a loop's share of 10,000 clients
     * does: each completes before the loop reaps any, more than Netty's default queue of 4,096 holds.
     */
    @Test
    void aLoopWritingOnceToEachOfSixThousandSocketsInOnePassDoesNotOverflowItsRing() throws Exception {
        flushToEverySocketInOnePass(6_000, 1, 5);
    }

    /**
     * Opens {@code sockets} connections to one io_uring loop and, {@code rounds} times, flushes
     * {@code buffers} small buffers to each of them from one task (so in one pass of the loop); then
     * every byte must arrive and the loop must not have warned that its completion queue overflowed.
     */
    private void flushToEverySocketInOnePass(int sockets, int buffers, int rounds) throws Exception {
        assumeTrue(Transport.ioUringUsable(), "io_uring is not usable here");
        NettyLogWatch watch = NettyLogWatch.install();
        Transport ioUring = new Transport(Kind.IO_URING);
        EventLoopGroup serverLoop = group(ioUring.newGroup(1, "many-writes"));
        List<Channel> accepted = new CopyOnWriteArrayList<>();
        Channel listener = ioUring.configureStream(new ServerBootstrap()).group(serverLoop)
                .channel(ioUring.serverChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.add(ch);
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();

        Transport clients = Transport.withoutIoUring();
        EventLoopGroup clientLoop = group(clients.newGroup(1, "many-writes-clients"));
        ByteCounter received = new ByteCounter();
        Bootstrap connector = new Bootstrap().group(clientLoop).channel(clients.socketChannel()).handler(received);
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        for (int i = 0; i < sockets; i++) {
            connector.connect("127.0.0.1", port).sync();
        }
        Await.until(Duration.ofSeconds(60), () -> accepted.size() == sockets, "all sockets accepted");

        int overflowsBefore = watch.ringOverflows();
        EventLoop loop = serverLoop.next();
        for (int round = 0; round < rounds; round++) {
            loop.submit(() -> {
                for (Channel ch : accepted) {
                    for (int b = 0; b < buffers; b++) {
                        ch.write(ch.alloc().directBuffer(BUFFER_BYTES).writeZero(BUFFER_BYTES));
                    }
                    ch.flush();
                }
            }).sync();
        }
        long expected = (long) sockets * buffers * BUFFER_BYTES * rounds;
        Await.until(Duration.ofSeconds(60), () -> received.bytes.get() == expected,
                () -> received.bytes.get() + " of " + expected + " bytes delivered");
        assertEquals(0, watch.ringOverflows() - overflowsBefore, "io_uring completion queue overflows while flushing "
                + buffers + " buffers to each of " + sockets + " sockets a pass");
    }

    /** Counts and drops what every client socket reads. */
    @ChannelHandler.Sharable
    private static final class ByteCounter extends ChannelInboundHandlerAdapter {
        final AtomicLong bytes = new AtomicLong();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            bytes.addAndGet(((ByteBuf) msg).readableBytes());
            ReferenceCountUtil.release(msg);
        }
    }

    private EventLoopGroup group(EventLoopGroup group) {
        groups.add(group);
        return group;
    }
}
