package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.PeerPoolView;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;

/** SHOW PEER_POOLS: cancel requests on their way to each peer, and the connections carrying them. */
public final class ShowPeerPools extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.int4("peer_id"), Column.int4("cl_active_cancel_req"),
                Column.int4("cl_waiting_cancel_req"), Column.int4("sv_active_cancel"), Column.int4("sv_login"));
        for (PeerPoolView p : backend.peerPools()) {
            rs.row(p.peerId(), p.clActiveCancelReq(), p.clWaitingCancelReq(), p.svActiveCancel(), p.svLogin());
        }
        return rs;
    }
}
