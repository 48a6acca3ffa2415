package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.PreparedStatementsView;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.protocol.ParameterMaps;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/**
 * SHOW MEM: where memory goes. PgBouncer lists its slab caches, each with the size of one object, how
 * many are in use and free, and the bytes they take ({@code memtotal = size x (used + free)}). Pooler
 * lists PgBouncer's caches first, in PgBouncer's order, then its own; rows it has nothing for are 0.
 *
 * <ul>
 *   <li>Object caches (users, databases, pools, servers, clients, prepared statements on servers): the
 *       JVM does not tell an object's size, so they show counts, with size and memtotal 0; but
 *       {@code server_prepared_statement_cache}'s memtotal is the bytes of the definitions the servers'
 *       caches hold, each distinct one once, which their budget bounds (ServerStatements).</li>
 *   <li>{@code iobuf_cache} and the {@code netty_*} rows: the buffer allocator (see {@link AllocatorRows}).</li>
 *   <li>{@code prepared_statement_registry}: the distinct statements every server knows by one name;
 *       size is their mean definition length, memtotal the bytes of their definitions.</li>
 *   <li>{@code parameter_map_intern}: the distinct session parameter maps clients hold (clients with the
 *       same startup values share one); {@code parameter_value_intern}: the distinct names and values in
 *       them, size their mean length, memtotal their characters.</li>
 *   <li>{@code jvm_heap}, {@code jvm_nonheap}: counted in KB (size 1024): used, free = committed but
 *       unused, memtotal = committed bytes. {@code jvm_direct_buffers}: NIO direct buffers outside
 *       Netty's pool (used = buffers, memtotal = their bytes).</li>
 * </ul>
 * Values above int4's range read 2147483647.
 */
public final class ShowMem extends ShowCommand {
    static final int KB = 1024;

    @Override
    protected ResultSet show(AdminBackend backend) {
        int databases = new ShowDatabases().show(backend).rows().size();
        int users = new ShowUsers().show(backend).rows().size();
        PreparedStatementsView statements = backend.preparedStatements();
        AllocatorRows allocator = AllocatorRows.of(backend.allocator());
        ResultSet rs = ResultSet.of(Column.text("name"), Column.int4("size"), Column.int4("used"), Column.int4("free"),
                        Column.int4("memtotal"))
                .row("user_cache", 0, users, 0, 0)
                .row("db_cache", 0, databases, 0, 0)
                .row("peer_cache", 0, 0, 0, 0)
                .row("peer_pool_cache", 0, 0, 0, 0)
                .row("pool_cache", 0, backend.pools().size() + 1, 0, 0) // and the console's
                .row("outstanding_request_cache", 0, 0, 0, 0)
                .row("server_cache", 0, backend.servers().size(), 0, 0)
                .row("client_cache", 0, backend.clientCount() + backend.loginClients(), 0, 0);
        allocator.addIoBufRow(rs);
        rs.row("var_list_cache", 0, 0, 0, 0)
                .row("server_prepared_statement_cache", 0, statements.onServers(), 0, int4(statements.onServersBytes()))
                .row("prepared_statement_registry",
                        int4(statements.distinct() == 0 ? 0 : statements.definitionBytes() / statements.distinct()),
                        statements.distinct(), 0, int4(statements.definitionBytes()));
        ParameterMaps parameters = backend.parameterMaps();
        int values = parameters.distinctStrings();
        long chars = parameters.stringChars();
        rs.row("parameter_map_intern", 0, parameters.distinctMaps(), 0, 0)
                .row("parameter_value_intern", int4(values == 0 ? 0 : chars / values), values, 0, int4(chars));
        allocator.addArenaRows(rs);
        addKilobytes(rs, "jvm_heap", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage());
        addKilobytes(rs, "jvm_nonheap", ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage());
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                rs.row("jvm_direct_buffers", 0, int4(pool.getCount()), 0, int4(pool.getMemoryUsed()));
            }
        }
        return rs;
    }

    private static void addKilobytes(ResultSet rs, String name, MemoryUsage usage) {
        long used = usage.getUsed() / KB;
        long committed = Math.max(usage.getCommitted() / KB, used);
        rs.row(name, KB, int4(used), int4(committed - used), int4(committed * KB));
    }

    /** PgBouncer's columns are int4; a value past it reads as its largest. */
    static int int4(long value) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
    }
}
