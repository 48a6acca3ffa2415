package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.DnsHostView;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;

/** SHOW DNS_HOSTS: the host names in the DNS cache, seconds until each is looked up again, its addresses. */
public final class ShowDnsHosts extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.text("hostname"), Column.int8("ttl"), Column.text("addrs"));
        for (DnsHostView h : backend.dnsHosts()) {
            rs.row(h.hostname(), h.ttlSeconds(), h.addrs());
        }
        return rs;
    }
}
