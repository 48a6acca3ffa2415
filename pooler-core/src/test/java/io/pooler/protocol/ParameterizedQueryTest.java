package io.pooler.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterizedQueryTest {

    @Test
    void parseBindExecuteSyncWithTheValueOutsideTheSql() {
        ByteBuf out = ParameterizedQuery.encode(UnpooledByteBufAllocator.DEFAULT, "SELECT $1", List.of("o'k"));
        try {
            // Bytes as PgJDBC sends them for an unnamed statement with one text parameter.
            byte[] expected = concat(
                    bytes('P', 0, 0, 0, 17), "\0SELECT $1\0".getBytes(), bytes(0, 0),
                    bytes('B', 0, 0, 0, 19, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3), "o'k".getBytes(), bytes(0, 0),
                    bytes('E', 0, 0, 0, 9, 0, 0, 0, 0, 0),
                    bytes('S', 0, 0, 0, 4));
            assertArrayEquals(expected, ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
    }

    @Test
    void dataRowColumnsWithNull() {
        ByteBuf frame = Unpooled.wrappedBuffer(concat(bytes('D', 0, 0, 0, 19, 0, 2, 0, 0, 0, 5), "alice".getBytes(),
                bytes(0xff, 0xff, 0xff, 0xff)));
        assertEquals(Arrays.asList("alice", null), DataRow.columns(frame));
        ByteBuf truncated = Unpooled.wrappedBuffer(bytes('D', 0, 0, 0, 12, 0, 1, 0, 0, 0, 9, 'x'));
        assertThrows(ProtocolException.class, () -> DataRow.columns(truncated));
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
