package io.pooler.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pooler.protocol.PgFrameDecoder;
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

import java.util.concurrent.TimeUnit;

/**
 * Splitting a server's reply into frames: {@link PgFrameDecoder} in a channel pipeline, as Pooler runs
 * it for every byte PostgreSQL sends. One operation is one whole reply.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class FrameDecodingBenchmark {
    @Param({"1", "100"})
    int rows;

    private ByteBuf reply;
    private EmbeddedChannel channel;

    @Setup(Level.Trial)
    public void setUp() {
        reply = ServerReplies.selectResult(rows);
        channel = new EmbeddedChannel(PgFrameDecoder.forServer(Integer.MAX_VALUE));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public int decodeOneReply() {
        channel.writeInbound(reply.duplicate());
        int frames = 0;
        for (ByteBuf frame; (frame = channel.readInbound()) != null; frames++) {
            frame.release();
        }
        return frames;
    }
}
