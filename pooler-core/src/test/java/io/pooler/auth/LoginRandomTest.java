package io.pooler.auth;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoginRandomTest {

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
        LoginRandom random = new LoginRandom(generator);
        int perBatch = LoginRandom.BATCH / Integer.BYTES;
        ByteBuffer expected = ByteBuffer.allocate(LoginRandom.BATCH * 2);
        for (int i = 0; i < expected.capacity(); i++) {
            expected.put((byte) i);
        }
        expected.flip();
        for (int i = 0; i < perBatch * 2; i++) {
            assertEquals(expected.getInt(), random.nextInt(), "int " + i + ": the next four bytes, big-endian");
            assertEquals(i < perBatch ? 1 : 2, generator.draws, "after int " + i);
        }
    }

    @Test
    void bytesRunOnAcrossBatchesWithoutRepeatingAny() {
        CountingRandom generator = new CountingRandom();
        LoginRandom random = new LoginRandom(generator);
        byte[] first = new byte[LoginRandom.BATCH - 6];
        byte[] second = new byte[18]; // a SCRAM nonce's length, across the end of the first batch
        random.nextBytes(first);
        random.nextBytes(second);
        byte[] expected = new byte[second.length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) (first.length + i);
        }
        assertArrayEquals(expected, second);
        assertEquals(2, generator.draws);
    }

    @Test
    void aRealGeneratorGivesDistinctInts() {
        LoginRandom random = LoginRandom.current();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(random.nextInt());
        }
        assertTrue(seen.size() > 995, "1,000 random ints, few collisions: " + seen.size());
    }
}
