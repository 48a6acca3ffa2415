package io.pooler.server.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CommandComplete tags as PostgreSQL sends them: the tag, then a zero byte. */
class CommandTagTest {

    private static boolean matches(CommandTag tag, String body, int offset) {
        byte[] text = body.getBytes(StandardCharsets.US_ASCII);
        // The tag sits at a non-zero index, as it does inside a frame after type and length.
        ByteBuf buf = Unpooled.buffer().writeZero(offset).writeBytes(text).writeByte(0);
        try {
            boolean result = tag.matches(buf, offset, text.length + 1);
            assertEquals(0, buf.readerIndex(), "nothing is consumed");
            return result;
        } finally {
            buf.release();
        }
    }

    @Test
    void theExactTagsMatch() {
        for (int offset : new int[] {0, 5}) {
            assertTrue(matches(CommandTag.RESET, "RESET", offset));
            assertTrue(matches(CommandTag.DISCARD_ALL, "DISCARD ALL", offset));
            assertTrue(matches(CommandTag.DEALLOCATE_ALL, "DEALLOCATE ALL", offset));
        }
    }

    @Test
    void otherTagsDoNot() {
        assertFalse(matches(CommandTag.RESET, "RESE", 5));
        assertFalse(matches(CommandTag.RESET, "RESETS", 5));
        assertFalse(matches(CommandTag.DISCARD_ALL, "DISCARD PLANS", 5));
        assertFalse(matches(CommandTag.DISCARD_ALL, "DISCARD ALL ", 5));
        assertFalse(matches(CommandTag.DEALLOCATE_ALL, "DEALLOCATE", 5));
        assertFalse(matches(CommandTag.RESET, "SELECT 1", 5));
        assertFalse(matches(CommandTag.RESET, "reset", 5), "tags are upper case, as PostgreSQL sends them");
    }

    @Test
    void theOneByteFilterLetsEveryTagThroughAndStopsTheCommonOnes() {
        for (CommandTag tag : CommandTag.values()) {
            String text = tag.name().replace('_', ' ');
            assertTrue(mayMatch(text), tag + " must get past the filter, or it is never matched");
            assertTrue(matches(tag, text, 5), tag + "'s name is its tag");
        }
        for (String common : new String[] {"SELECT 1", "INSERT 0 1", "UPDATE 3", "BEGIN", "COMMIT", "SET", ""}) {
            assertFalse(mayMatch(common), common);
        }
    }

    private static boolean mayMatch(String body) {
        byte[] text = body.getBytes(StandardCharsets.US_ASCII);
        ByteBuf buf = Unpooled.buffer().writeZero(5).writeBytes(text).writeByte(0);
        try {
            return CommandTag.anyMayMatch(buf, 5, text.length + 1);
        } finally {
            buf.release();
        }
    }

    @Test
    void anEmptyBodyMatchesNothing() {
        ByteBuf empty = Unpooled.buffer();
        try {
            for (CommandTag tag : CommandTag.values()) {
                assertFalse(tag.matches(empty, 0, 0));
            }
        } finally {
            empty.release();
        }
    }
}
