package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.DnsZoneView;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;

/** SHOW DNS_ZONES: the zones of the cached names, their last SOA serial and how many names each holds. */
public final class ShowDnsZones extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.text("zonename"), Column.int8("serial"), Column.int4("count"));
        for (DnsZoneView z : backend.dnsZones()) {
            rs.row(z.zonename(), z.serial(), z.count());
        }
        return rs;
    }
}
