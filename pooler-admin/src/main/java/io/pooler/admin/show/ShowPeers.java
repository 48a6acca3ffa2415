package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.config.PeerEntry;
import io.pooler.config.Settings;

/** SHOW PEERS: the {@code [peers]} entries in id order; pool_size shows default_pool_size when not set. */
public final class ShowPeers extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.int4("peer_id"), Column.text("host"), Column.int4("port"),
                Column.int4("pool_size"));
        Settings s = backend.config().settings();
        for (PeerEntry peer : backend.config().peers().values()) {
            rs.row(peer.id(), peer.host(), peer.port(), peer.effectivePoolSize(s));
        }
        return rs;
    }
}
