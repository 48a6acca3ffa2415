package io.pooler.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watch behind {@link BufferLeakExtension} sees a leaked buffer and a double release, so the
 * extension would fail the test that caused them. Each test takes the events it caused, so this class
 * itself passes.
 */
class NettyLogWatchTest {
    private final NettyLogWatch watch = NettyLogWatch.install();

    @AfterEach
    void nothingLeftBehind() {
        watch.drain(EnumSet.allOf(NettyLogWatch.Kind.class));
    }

    @Test
    void testsRunWithParanoidLeakDetection() {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(),
                "the parent pom's surefire argLine sets -Dio.netty.leakDetection.level=paranoid");
    }

    @Test
    void aBufferNobodyReleasedFailsTheTest() throws Exception {
        leakOneBuffer();
        List<NettyLogWatch.Event> leaks = List.of();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (leaks.isEmpty() && System.nanoTime() < deadline) {
            NettyLogWatch.reportPendingLeaks();
            leaks = watch.drain(EnumSet.of(NettyLogWatch.Kind.LEAK));
        }
        assertEquals(1, leaks.size(), leaks.toString());
        assertTrue(leaks.get(0).message().contains("LEAK: ByteBuf.release() was not called"), leaks.toString());
        assertTrue(leaks.get(0).message().contains("leakOneBuffer"), "paranoid records say where: " + leaks);
        assertTrue(leaks.get(0).test().contains("aBufferNobodyReleasedFailsTheTest"), leaks.get(0).test());

        Optional<String> verdict = BufferLeakExtension.verdict(leaks, 0);
        assertTrue(verdict.isPresent() && verdict.get().contains("LEAK"), verdict.toString());
    }

    private static void leakOneBuffer() {
        ByteBuf lost = ByteBufAllocator.DEFAULT.buffer(16);
        lost.writeBytes("nobody frees me".getBytes(StandardCharsets.US_ASCII));
        lost.getByte(0); // a recorded access, so the report has a stack trace naming this method
    }

    @Test
    void aDoubleReleaseInAPipelineFailsTheTest() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        LocalAddress address = new LocalAddress("netty-log-watch-test");
        try {
            Channel server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                    .childHandler(new ChannelInitializer<LocalChannel>() {
                        @Override
                        protected void initChannel(LocalChannel ch) {
                            ch.pipeline().addLast(new ReleasesTwice());
                        }
                    }).bind(address).sync().channel();
            Channel client = new Bootstrap().group(group).channel(LocalChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
            client.writeAndFlush(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII)).sync();

            List<NettyLogWatch.Event> events = List.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (events.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
                events = watch.drain(EnumSet.of(NettyLogWatch.Kind.REFERENCE_COUNT));
            }
            assertEquals(1, events.size(), events.toString());
            assertTrue(events.get(0).message().contains("reached at the tail of the pipeline"), events.toString());
            assertTrue(events.get(0).message().contains("IllegalReferenceCountException"), events.toString());
            assertTrue(BufferLeakExtension.verdict(events, 0).isPresent());
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** The bug of issue 9 in two lines: releases what it was given, then lets the exception go on. */
    private static final class ReleasesTwice extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
            ((ByteBuf) msg).release();
        }
    }

    @Test
    void aDoubleReleaseLoggedAtDebugStillCounts() {
        // As ClientHandler logs an error on a closed channel: at DEBUG, which the test log does not print.
        String printed = new IllegalReferenceCountException(0, -1).toString();
        LoggerFactory.getLogger("io.pooler.server.client.ClientHandler").debug("{} error after close: {}", "C-1", printed);
        List<NettyLogWatch.Event> events = watch.drain(EnumSet.of(NettyLogWatch.Kind.REFERENCE_COUNT));
        assertEquals(1, events.size(), events.toString());
        assertTrue(events.get(0).message().contains("C-1 error after close: io.netty.util.IllegalReferenceCountException"),
                events.toString());
    }

    @Test
    void anExceptionAtThePipelineTailIsKeptForTheFuzzer() {
        LoggerFactory.getLogger("io.netty.channel.DefaultChannelPipeline").warn(
                "An exceptionCaught() event was fired, and it reached at the tail of the pipeline. It usually means"
                        + " the last handler in the pipeline did not handle the exception.", new IllegalStateException("boom"));
        List<NettyLogWatch.Event> unhandled = watch.drain(EnumSet.of(NettyLogWatch.Kind.UNHANDLED));
        assertEquals(1, unhandled.size(), unhandled.toString());
        assertTrue(unhandled.get(0).message().contains("boom"));
        assertTrue(watch.events(BufferLeakExtension.FAILING).isEmpty(), "not a buffer problem by itself");
    }

    @Test
    void otherLoggingIsIgnored() {
        LoggerFactory.getLogger("io.pooler.x").warn("C-2 pooler error: password authentication failed");
        assertTrue(watch.events(EnumSet.allOf(NettyLogWatch.Kind.class)).isEmpty());
    }
}
