package io.pooler.server.client;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomIntsTest {

    /** A SecureRandom that counts its draws and hands out bytes 0, 1, 2, ... in order. */
    private static final class CountingRandom extends SecureRandom {
        int draws;
        private byte counter;

        @Override
        public void nextBytes(byte[] bytes) {
            draws++;
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = counter++;
            }
        }
    }

    @Test
    void theGeneratorIsDrawnOncePerBatchAndEveryByteIsUsedOnce() {
        CountingRandom generator = new CountingRandom();
        CancelRegistry.RandomInts ints = new CancelRegistry.RandomInts(generator);
        int perBatch = CancelRegistry.RandomInts.BATCH / Integer.BYTES;
        ByteBuffer expected = ByteBuffer.allocate(CancelRegistry.RandomInts.BATCH * 2);
        for (int i = 0; i < expected.capacity(); i++) {
            expected.put((byte) i);
        }
        expected.flip();
        for (int i = 0; i < perBatch * 2; i++) {
            assertEquals(expected.getInt(), ints.nextInt(), "int " + i + ": the next four bytes, big-endian");
            assertEquals(i < perBatch ? 1 : 2, generator.draws, "after int " + i);
        }
    }

    @Test
    void aRealGeneratorGivesDistinctInts() {
        CancelRegistry.RandomInts ints = new CancelRegistry.RandomInts(new SecureRandom());
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(ints.nextInt());
        }
        assertTrue(seen.size() > 995, "1,000 random ints, few collisions: " + seen.size());
    }
}
