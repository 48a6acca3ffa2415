package io.pooler.server.peers;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The key layout of PgBouncer's src/proto.c, byte by byte, so Pooler and PgBouncer can be peered. */
class CancelKeyTest {

    /** The 8 bytes of a BackendKeyData, as they go on the wire. */
    private static byte[] wire(int processId, int secret) {
        return ByteBuffer.allocate(8).putInt(processId).putInt(secret).array();
    }

    @Test
    void peerIdIsInBytesOneAndTwoLowByteFirstAndTheTtlInTheLowBitsOfByteSeven() {
        int peerId = 0x1234; // 4660, below 16383
        byte[] key = wire(CancelKey.processId(0xFFFF_FFFF, peerId), CancelKey.secret(0x0000_0000, peerId));

        assertEquals(0x7F, key[0] & 0xFF, "random, sign bit cleared");
        assertEquals(0x34, key[1] & 0xFF, "cancel_key[1] = peer_id & 0xFF");
        assertEquals(0x12, key[2] & 0xFF, "cancel_key[2] = (peer_id >> 8) & 0xFF");
        assertEquals(0xFF, key[3] & 0xFF, "random");
        assertEquals(0x03, key[7] & 0xFF, "cancel_key[7] |= CANCELLATION_TTL_MASK");
        assertEquals(peerId, CancelKey.peerId(CancelKey.processId(0xFFFF_FFFF, peerId)));
    }

    @Test
    void withoutPeeringOnlyTheSignBitIsFixed() {
        assertEquals(0x7FFF_FFFF, CancelKey.processId(0xFFFF_FFFF, 0));
        assertEquals(0xFFFF_FFFC, CancelKey.secret(0xFFFF_FFFC, 0));
    }

    @Test
    void eachForwardingTakesOneFromTheTtlAndTheOwnerStillRecognisesTheKey() {
        int secret = CancelKey.secret(0xABCD_EF00, 7);
        assertEquals(3, CancelKey.ttl(secret));
        int hop1 = CancelKey.forwarded(secret);
        int hop2 = CancelKey.forwarded(hop1);
        int hop3 = CancelKey.forwarded(hop2);
        assertEquals(2, CancelKey.ttl(hop1));
        assertEquals(0, CancelKey.ttl(hop3), "three hops at most");
        assertEquals(secret, CancelKey.asHandedOut(hop3));
        assertTrue((hop3 & ~CancelKey.TTL_MASK) == (secret & ~CancelKey.TTL_MASK), "no borrow into the random bits");
    }

    @Test
    void theLargestPeerIdFits() {
        for (int id : new int[] {1, 255, 256, 16383}) {
            int pid = CancelKey.processId(0x8000_0000, id);
            assertEquals(id, CancelKey.peerId(pid));
            assertTrue(pid >= 0);
        }
    }
}
