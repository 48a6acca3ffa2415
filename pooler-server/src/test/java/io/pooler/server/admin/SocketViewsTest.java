package io.pooler.server.admin;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ptr and link columns of SHOW CLIENTS/SERVERS/SOCKETS keep the format they had with String.format. */
class SocketViewsTest {

    @Test
    void pointersAreTwelveHexDigitsAsStringFormatWroteThem() {
        long[] edges = {0, 1, 0xf, 0x10, 0xffff_ffffL, 1L << 40, (1L << 40) | 42, (2L << 40) | 7,
                0xffff_ffff_ffffL, 1L << 48, Long.MAX_VALUE, -1L};
        for (long value : edges) {
            assertEquals(String.format("0x%012x", value), SocketViews.pointer(value), Long.toHexString(value));
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long value = random.nextLong() >>> random.nextInt(64);
            assertEquals(String.format("0x%012x", value), SocketViews.pointer(value), Long.toHexString(value));
        }
        assertEquals("0x010000000005", SocketViews.clientPtr(5));
        assertEquals("0x020000000005", SocketViews.serverPtr(5));
    }
}
