package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;

/**
 * A SHOW whose subject Pooler does not have: peers (PgBouncer's [peers]) and its own DNS cache (Pooler
 * resolves through the JVM). The columns are PgBouncer's, the result is empty.
 */
public final class EmptyShow extends ShowCommand {
    private final Column[] columns;

    private EmptyShow(Column... columns) {
        this.columns = columns;
    }

    public static EmptyShow dnsHosts() {
        return new EmptyShow(Column.text("hostname"), Column.int8("ttl"), Column.text("addrs"));
    }

    public static EmptyShow dnsZones() {
        return new EmptyShow(Column.text("zonename"), Column.int8("serial"), Column.int4("count"));
    }

    public static EmptyShow peers() {
        return new EmptyShow(Column.int4("peer_id"), Column.text("host"), Column.int4("port"), Column.int4("pool_size"));
    }

    public static EmptyShow peerPools() {
        return new EmptyShow(Column.int4("peer_id"), Column.int4("cl_active_cancel_req"),
                Column.int4("cl_waiting_cancel_req"), Column.int4("sv_active_cancel"), Column.int4("sv_login"));
    }

    @Override
    protected ResultSet show(AdminBackend backend) {
        return ResultSet.of(columns);
    }
}
