package io.pooler.bench.jmh;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each microbenchmark's operation run once, so that a benchmark that stopped doing its work fails the build. */
class BenchmarksRunTest {

    @Test
    void decodingSplitsTheWholeReplyIntoFrames() {
        FrameDecodingBenchmark benchmark = new FrameDecodingBenchmark();
        benchmark.rows = 100;
        benchmark.setUp();
        try {
            assertEquals(ServerReplies.frames(100), benchmark.decodeOneReply());
            assertEquals(ServerReplies.frames(100), benchmark.decodeOneReply(), "the same again: nothing left over");
        } finally {
            benchmark.tearDown();
        }
    }

    @Test
    void relayingHandsEveryFrameToTheClient() {
        RelayBenchmark benchmark = new RelayBenchmark();
        benchmark.rows = 1;
        benchmark.setUp();
        try {
            assertEquals(ServerReplies.frames(1), benchmark.relayOneReply());
            assertEquals(ServerReplies.frames(1), benchmark.relayOneReply());
        } finally {
            benchmark.tearDown();
        }
    }
}
