package io.pooler.auth;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The random bytes logins need (SCRAM server nonces, MD5 salts, cancel keys), from one generator per
 * thread, so per event loop.
 *
 * <p>Why not one shared {@code new SecureRandom()}: on Linux that is NativePRNG, whose every draw takes a
 * lock all its instances share and reads /dev/urandom, so the loops queued on each other at every login.
 * A DRBG (NIST SP 800-90A, seeded from the system's entropy) per thread draws in user space; it is drawn
 * {@value #BATCH} bytes at a time, since each draw, however small, costs some SHA-256 rounds and some
 * allocation. Each byte is handed out once and zeroed in the batch when it is.
 *
 * <p>Threads: any; each thread has its own generator and batch ({@link #current()}).
 */
public final class LoginRandom {
    static final int BATCH = 256;
    private static final ThreadLocal<LoginRandom> PER_THREAD = ThreadLocal.withInitial(() -> new LoginRandom(newGenerator()));

    private final SecureRandom generator;
    private final byte[] batch = new byte[BATCH];
    private int next = BATCH;

    /** The calling thread's. */
    public static LoginRandom current() {
        return PER_THREAD.get();
    }

    /** Bytes from {@code generator}, drawn in batches (tests give one of their own). */
    LoginRandom(SecureRandom generator) {
        this.generator = generator;
    }

    /** Fills {@code out} with the next random bytes. */
    public void nextBytes(byte[] out) {
        for (int filled = 0; filled < out.length; ) {
            if (next == BATCH) {
                refill();
            }
            int n = Math.min(out.length - filled, BATCH - next);
            System.arraycopy(batch, next, out, filled, n);
            take(n);
            filled += n;
        }
    }

    /** The next four random bytes as an int, big-endian. */
    public int nextInt() {
        if (BATCH - next < Integer.BYTES) {
            refill(); // a tail too short for an int (after nextBytes) is dropped
        }
        int value = (batch[next] & 0xff) << 24 | (batch[next + 1] & 0xff) << 16
                | (batch[next + 2] & 0xff) << 8 | (batch[next + 3] & 0xff);
        take(Integer.BYTES);
        return value;
    }

    private void refill() {
        generator.nextBytes(batch);
        next = 0;
    }

    /** The next {@code n} bytes were handed out: zeroed, so they are not kept around. */
    private void take(int n) {
        Arrays.fill(batch, next, next + n, (byte) 0);
        next += n;
    }

    private static SecureRandom newGenerator() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom(); // every JDK since 9 has DRBG; the platform default otherwise
        }
    }
}
