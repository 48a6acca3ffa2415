package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;

/**
 * SHOW MEM: PgBouncer lists its slab caches. The JVM allocates objects itself, so Pooler lists the same
 * caches by what they hold: {@code used} is the number of live objects, the sizes are 0 (unknown).
 */
public final class ShowMem extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        int databases = new ShowDatabases().show(backend).rows().size();
        int users = new ShowUsers().show(backend).rows().size();
        return ResultSet.of(Column.text("name"), Column.int4("size"), Column.int4("used"), Column.int4("free"),
                        Column.int4("memtotal"))
                .row("user_cache", 0, users, 0, 0)
                .row("db_cache", 0, databases, 0, 0)
                .row("pool_cache", 0, backend.pools().size() + 1, 0, 0)
                .row("server_cache", 0, backend.servers().size(), 0, 0)
                .row("client_cache", 0, backend.clients().size() + backend.loginClients(), 0, 0);
    }
}
