package io.pooler.server.peers;

/**
 * The peer id and forwarding TTL inside a BackendKeyData, encoded as PgBouncer 1.21+ does ({@code src/proto.c}),
 * so Pooler and PgBouncer processes can be peered together. The 8 key bytes are the process id (bytes 0-3,
 * big-endian) and the secret (bytes 4-7):
 * <ul>
 * <li>byte 0: random, sign bit cleared (some clients choke on a negative pid);</li>
 * <li>bytes 1 and 2: the peer id, low byte first;</li>
 * <li>byte 3 and the secret: random, but the two lowest bits of byte 7 are the TTL, 3 when handed out and
 *     one less at each forwarding, so a cancel request travels through at most three peers.</li>
 * </ul>
 * Without peering ({@code peer_id = 0}) every bit but the sign bit is random.
 */
public final class CancelKey {
    /** PgBouncer's {@code CANCELLATION_TTL_MASK}. */
    public static final int TTL_MASK = 0x03;

    private CancelKey() {
    }

    /** The peer id of a key's process id (bytes 1 and 2, low byte first). */
    public static int peerId(int processId) {
        return ((processId >>> 16) & 0xFF) | (((processId >>> 8) & 0xFF) << 8);
    }

    /** A random process id with {@code peerId} written in and the sign bit cleared. */
    public static int processId(int random, int peerId) {
        int pid = peerId == 0 ? random
                : (random & 0xFF0000FF) | ((peerId & 0xFF) << 16) | (((peerId >>> 8) & 0xFF) << 8);
        return pid & 0x7FFFFFFF;
    }

    /** A random secret for a key handed out: the TTL bits are all set when peering. */
    public static int secret(int random, int peerId) {
        return peerId == 0 ? random : random | TTL_MASK;
    }

    public static int ttl(int secret) {
        return secret & TTL_MASK;
    }

    /** The secret as forwarded to the next peer: one hop less (the TTL is the lowest bits, so no borrow). */
    public static int forwarded(int secret) {
        return secret - 1;
    }

    /** The secret as it was handed out, whatever hops it made: what the registry compares against. */
    public static int asHandedOut(int secret) {
        return secret | TTL_MASK;
    }
}
