package io.pooler.server.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a relay's batch writes to its peer: ranges of one buffer that follow each other go out as one
 * write, anything else in the order it was added, and every reference it takes is given back.
 */
class OutboundBatchTest {

    @Test
    void rangesThatFollowEachOtherAreOneWrite() {
        EmbeddedChannel peer = new EmbeddedChannel();
        ByteBuf messages = ascii("TTTDDCCZ");
        OutboundBatch batch = new OutboundBatch();
        batch.addRange(peer, messages, 0, 3);
        batch.addRange(peer, messages, 3, 5);
        batch.addRange(peer, messages, 5, 8);
        endReadAndFlush(batch, messages);
        assertEquals(List.of("TTTDDCCZ"), written(peer));
    }

    @Test
    void aMessageBetweenRangesKeepsItsPlace() {
        EmbeddedChannel peer = new EmbeddedChannel();
        ByteBuf messages = ascii("TTTDDCCZ");
        OutboundBatch batch = new OutboundBatch();
        batch.addRange(peer, messages, 0, 3);
        batch.add(peer, ascii("1"));
        batch.addRange(peer, messages, 3, 5);
        batch.addRange(peer, messages, 6, 8); // a message skipped between: not joined
        endReadAndFlush(batch, messages);
        assertEquals(List.of("TTT", "1", "DD", "CZ"), written(peer));
    }

    @Test
    void aNewPeerGetsWhatIsItsOwnAfterTheFirstIsFlushed() {
        EmbeddedChannel first = new EmbeddedChannel();
        EmbeddedChannel second = new EmbeddedChannel();
        ByteBuf messages = ascii("AABB");
        OutboundBatch batch = new OutboundBatch();
        batch.addRange(first, messages, 0, 2);
        batch.addRange(second, messages, 2, 4);
        assertEquals(List.of("AA"), written(first), "flushed when the target changed");
        endReadAndFlush(batch, messages);
        assertEquals(List.of("BB"), written(second));
    }

    @Test
    void aRangeNotYetWrittenIsDroppedWithTheBatch() {
        EmbeddedChannel peer = new EmbeddedChannel();
        ByteBuf messages = ascii("TTTZ");
        OutboundBatch batch = new OutboundBatch();
        batch.addRange(peer, messages, 0, 4);
        batch.discard();
        batch.flush();
        assertEquals(List.of(), written(peer));
        assertEquals(1, messages.refCnt(), "the batch took no reference of its own");
        messages.release();
    }

    /** The end of a read burst: the last range ends, the caller lets go of its buffer (the batch holds its own), the batch is flushed. */
    private static void endReadAndFlush(OutboundBatch batch, ByteBuf messages) {
        batch.endRange();
        messages.release();
        batch.flush();
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** What reached the peer's socket, one string per write; each buffer released. */
    private static List<String> written(EmbeddedChannel peer) {
        List<String> out = new ArrayList<>();
        ByteBuf b;
        while ((b = peer.readOutbound()) != null) {
            out.add(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return out;
    }
}
