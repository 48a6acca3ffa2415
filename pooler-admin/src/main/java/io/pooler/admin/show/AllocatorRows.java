package io.pooler.admin.show;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PoolChunkListMetric;
import io.netty.buffer.PoolChunkMetric;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.pooler.admin.wire.ResultSet;

import java.util.List;

import static io.pooler.admin.show.ShowMem.KB;
import static io.pooler.admin.show.ShowMem.int4;

/**
 * SHOW MEM's rows for the buffer allocator, as far as it tells. {@code iobuf_cache} (PgBouncer's I/O
 * buffers) is the whole allocator: with the pooled allocator ({@code -Dio.netty.allocator.type=pooled})
 * a unit is a chunk (size = chunk size, used = chunks holding buffers, free = chunks held empty); with
 * the adaptive allocator (Netty 4.2's default), which tells only its bytes, a unit is a KB.
 * {@code netty_direct} and {@code netty_heap} split the bytes by kind; with the pooled allocator their
 * {@code used} is the number of arenas and {@code size} the chunk size.
 */
final class AllocatorRows {
    private final ByteBufAllocatorMetric metric;

    private AllocatorRows(ByteBufAllocatorMetric metric) {
        this.metric = metric;
    }

    static AllocatorRows of(ByteBufAllocator allocator) {
        return new AllocatorRows(allocator instanceof ByteBufAllocatorMetricProvider p ? p.metric() : null);
    }

    void addIoBufRow(ResultSet rs) {
        if (metric instanceof PooledByteBufAllocatorMetric pooled) {
            long[] usedAndFree = new long[2];
            countChunks(pooled.directArenas(), usedAndFree);
            countChunks(pooled.heapArenas(), usedAndFree);
            long chunk = pooled.chunkSize();
            rs.row("iobuf_cache", int4(chunk), int4(usedAndFree[0]), int4(usedAndFree[1]),
                    int4(chunk * (usedAndFree[0] + usedAndFree[1])));
        } else if (metric != null) {
            long bytes = metric.usedDirectMemory() + metric.usedHeapMemory();
            rs.row("iobuf_cache", KB, int4(bytes / KB), 0, int4(bytes));
        } else {
            rs.row("iobuf_cache", 0, 0, 0, 0);
        }
    }

    void addArenaRows(ResultSet rs) {
        if (metric instanceof PooledByteBufAllocatorMetric pooled) {
            rs.row("netty_direct", pooled.chunkSize(), pooled.numDirectArenas(), 0, int4(pooled.usedDirectMemory()));
            rs.row("netty_heap", pooled.chunkSize(), pooled.numHeapArenas(), 0, int4(pooled.usedHeapMemory()));
        } else if (metric != null) {
            rs.row("netty_direct", KB, int4(metric.usedDirectMemory() / KB), 0, int4(metric.usedDirectMemory()));
            rs.row("netty_heap", KB, int4(metric.usedHeapMemory() / KB), 0, int4(metric.usedHeapMemory()));
        }
    }

    /** Adds the arenas' chunks that hold buffers to {@code usedAndFree[0]}, the empty ones to {@code [1]}. */
    private static void countChunks(List<PoolArenaMetric> arenas, long[] usedAndFree) {
        for (PoolArenaMetric arena : arenas) {
            for (PoolChunkListMetric list : arena.chunkLists()) {
                for (PoolChunkMetric chunk : list) {
                    usedAndFree[chunk.freeBytes() == chunk.chunkSize() ? 1 : 0]++;
                }
            }
        }
    }
}
