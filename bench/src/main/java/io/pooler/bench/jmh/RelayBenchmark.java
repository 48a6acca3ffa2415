package io.pooler.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.PgFrames;
import io.pooler.server.net.OutboundBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Relaying a result from the server side to the client side: the reply's bytes arrive on the server
 * channel, {@link PgFrameDecoder} frames them, each frame is looked at as ServerConnection looks at it
 * (ReadyForQuery's status, CommandComplete's tag) and handed to the client channel through an
 * {@link OutboundBatch}, flushed once at the end of the read.
 *
 * <p>The handler in between mirrors ServerConnection's relay rather than being it: a ServerConnection
 * needs a pool, a connector and a logged-in session. What it measures is the machinery every relayed
 * byte goes through. One operation is one whole reply.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RelayBenchmark {
    @Param({"1", "100"})
    int rows;

    private ByteBuf reply;
    private EmbeddedChannel server;
    private EmbeddedChannel client;

    @Setup(Level.Trial)
    public void setUp() {
        reply = ServerReplies.selectResult(rows);
        client = new EmbeddedChannel();
        server = new EmbeddedChannel(PgFrameDecoder.forServer(Integer.MAX_VALUE), new RelayHandler(client));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        server.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }

    @Benchmark
    public int relayOneReply() {
        server.writeInbound(reply.duplicate());
        int written = 0;
        for (Object out; (out = client.readOutbound()) != null; written++) {
            ReferenceCountUtil.release(out);
        }
        return written;
    }

    /** What ServerConnection does with each frame of a linked session's reply. */
    private static final class RelayHandler extends ChannelInboundHandlerAdapter {
        private final Channel peer;
        private final OutboundBatch toClient = new OutboundBatch();
        private byte transactionStatus;
        private boolean resetSeen;

        RelayHandler(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            switch (PgFrames.type(frame)) {
                case MessageType.READY_FOR_QUERY -> transactionStatus = BackendMessages.transactionStatus(frame);
                case MessageType.COMMAND_COMPLETE -> {
                    ByteBuf body = PgFrames.body(frame);
                    String tag = body.toString(body.readerIndex(), body.readableBytes() - 1, StandardCharsets.US_ASCII);
                    resetSeen = tag.equals("DISCARD ALL");
                }
                default -> {
                }
            }
            toClient.add(peer, frame);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            toClient.flush();
        }
    }
}
