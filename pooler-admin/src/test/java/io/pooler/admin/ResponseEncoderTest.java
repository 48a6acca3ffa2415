package io.pooler.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResponseEncoder;
import io.pooler.admin.wire.ResultSet;
import io.pooler.admin.wire.Response;
import io.pooler.protocol.SqlState;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bytes psql receives: RowDescription with PgBouncer's type OIDs, DataRows, CommandComplete, ReadyForQuery. */
class ResponseEncoderTest {
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);

    /** A value that cannot be written (here its text throws) leaves no buffer behind: the answer is dropped whole. */
    @Test
    void aValueThatFailsToFormatReleasesTheAnswer() {
        java.util.List<ByteBuf> allocated = new java.util.ArrayList<>();
        io.netty.buffer.ByteBufAllocator recording = new io.netty.buffer.AbstractByteBufAllocator(false) {
            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                ByteBuf buf = new io.netty.buffer.UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
                allocated.add(buf);
                return buf;
            }

            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                return newHeapBuffer(initialCapacity, maxCapacity);
            }

            @Override
            public boolean isDirectBufferPooled() {
                return false;
            }
        };
        Object broken = new Object() {
            @Override
            public String toString() {
                throw new IllegalStateException("no text for this value");
            }
        };
        ResultSet rs = ResultSet.of(Column.text("name")).row("fine").row(broken);

        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ResponseEncoder.encode(recording, Response.rows(rs)));

        assertTrue(!allocated.isEmpty());
        for (ByteBuf buf : allocated) {
            assertEquals(0, buf.refCnt(), "released: " + buf);
        }
    }

    @Test
    void resultSetWithTypesAndNulls() {
        ResultSet rs = ResultSet.of(Column.text("name"), Column.int4("n"), Column.int8("big"), Column.numeric("num"))
                .row("a", 1, 2L, null);
        ByteBuf out = ResponseEncoder.encode(alloc, Response.rows(rs));
        try {
            assertEquals('T', out.readByte());
            int length = out.readInt();
            ByteBuf desc = out.readSlice(length - 4);
            assertEquals(4, desc.readShort());
            int[] oids = new int[4];
            int[] lengths = new int[4];
            for (int i = 0; i < 4; i++) {
                while (desc.readByte() != 0) {
                    // column name
                }
                desc.skipBytes(6);
                oids[i] = desc.readInt();
                lengths[i] = desc.readShort();
                desc.skipBytes(6);
            }
            assertEquals("[25, 23, 20, 1700]", java.util.Arrays.toString(oids));
            assertEquals("[-1, 4, 8, -1]", java.util.Arrays.toString(lengths));

            assertEquals('D', out.readByte());
            ByteBuf row = out.readSlice(out.readInt() - 4);
            assertEquals(4, row.readShort());
            assertEquals("a", text(row));
            assertEquals("1", text(row));
            assertEquals("2", text(row));
            assertEquals(-1, row.readInt(), "NULL");

            assertEquals('C', out.readByte());
            assertEquals("SHOW", out.readSlice(out.readInt() - 4).toString(StandardCharsets.UTF_8).trim().replace("\0", ""));
            assertEquals("5a0000000549", ByteBufUtil.hexDump(out), "ReadyForQuery, idle");
        } finally {
            out.release();
        }
    }

    @Test
    void errorThenReadyForQuerySoTheSessionGoesOn() {
        ByteBuf out = ResponseEncoder.encode(alloc, Response.error(SqlState.INSUFFICIENT_PRIVILEGE, "admin access needed"));
        try {
            assertEquals('E', out.getByte(0));
            String all = out.toString(StandardCharsets.UTF_8);
            assertTrue(all.contains("C42501\0"), all);
            assertTrue(all.contains("Madmin access needed\0"), all);
            assertEquals("5a0000000549", ByteBufUtil.hexDump(out, out.writerIndex() - 6, 6));
        } finally {
            out.release();
        }
    }

    @Test
    void booleansAreOneAndZeroAndTimestampsAreText() {
        ResultSet rs = ResultSet.of(Column.int4("paused"), Column.timestamp("connect_time")).row(true, 0L);
        ByteBuf out = ResponseEncoder.encode(alloc, Response.rows(rs));
        try {
            String all = out.toString(StandardCharsets.UTF_8);
            assertTrue(all.contains("\0\0\0\u00011"), "1 for true");
            assertTrue(all.contains("1970-01-01") || all.contains("1969-12-31"), all);
        } finally {
            out.release();
        }
    }

    private static String text(ByteBuf row) {
        return row.readSlice(row.readInt()).toString(StandardCharsets.UTF_8);
    }
}
