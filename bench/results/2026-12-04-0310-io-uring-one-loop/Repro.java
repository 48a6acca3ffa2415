import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.*;
import io.netty.channel.uring.*;
import io.netty.channel.epoll.*;
import java.util.concurrent.atomic.AtomicInteger;

public class Repro {
    static final AtomicInteger open = new AtomicInteger(), closed = new AtomicInteger(), errors = new AtomicInteger();
    public static void main(String[] a) throws Exception {
        boolean uring = a[0].equals("uring");
        boolean ring = a.length > 1 && a[1].equals("ring");
        IoHandlerFactory f = uring ? (ring ? IoUringIoHandler.newFactory(new IoUringIoHandlerConfig().setBufferRingConfig(
                IoUringBufferRingConfig.builder().bufferGroupId((short) 1).bufferRingSize((short) 256).batchSize(64)
                        .allocator(new IoUringFixedBufferRingAllocator(16384)).build())) : IoUringIoHandler.newFactory())
                : EpollIoHandler.newFactory();
        EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, f);
        ServerBootstrap b = new ServerBootstrap().group(g)
                .channel(uring ? IoUringServerSocketChannel.class : EpollServerSocketChannel.class);
        if (ring) b.childOption(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, (short) 1);
        b
                .childHandler(new ChannelInitializer<Channel>() {
                    protected void initChannel(Channel ch) {
                        open.incrementAndGet();
                        ch.closeFuture().addListener(x -> closed.incrementAndGet());
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            int total;
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf buf = (ByteBuf) msg;
                                int before = total;
                                total += buf.readableBytes();
                                buf.release();
                                if (before == 0) ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[]{'R', 0, 0, 0, 12, 0, 0, 0, 5, 1, 2, 3, 4}));
                            }
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
                                errors.incrementAndGet();
                                ctx.close();
                            }
                        });
                    }
                });
        b.bind("127.0.0.1", 16441).sync();
        System.out.println("listening");
        for (int i = 0; i < 60; i++) {
            Thread.sleep(1000);
            System.out.println("open " + open + " closed " + closed + " errors " + errors);
        }
        g.shutdownGracefully();
    }
}
