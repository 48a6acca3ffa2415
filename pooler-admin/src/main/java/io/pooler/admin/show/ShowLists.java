package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;

/**
 * SHOW LISTS: PgBouncer's internal list sizes. Pooler keeps no free lists of connection objects, so those
 * rows are 0; databases and users are counted as SHOW DATABASES and SHOW USERS list them, pools as SHOW
 * POOLS does, peers and the DNS cache as their own SHOW commands do. dns_pending is 0, as in PgBouncer.
 */
public final class ShowLists extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        int databases = new ShowDatabases().show(backend).rows().size();
        int users = new ShowUsers().show(backend).rows().size();
        int pools = backend.pools().size() + 1; // and the console's
        int clients = backend.clientCount();
        int login = backend.loginClients();
        return ResultSet.of(Column.text("list"), Column.int4("items"))
                .row("databases", databases)
                .row("users", users)
                .row("peers", backend.config().peers().size())
                .row("pools", pools)
                .row("peer_pools", backend.peerPools().size())
                .row("free_clients", 0)
                .row("used_clients", clients + login)
                .row("login_clients", login)
                .row("free_servers", 0)
                .row("used_servers", backend.servers().size())
                .row("dns_names", backend.dnsHosts().size())
                .row("dns_zones", backend.dnsZones().size())
                .row("dns_queries", backend.dnsQueriesInFlight())
                .row("dns_pending", 0);
    }
}
