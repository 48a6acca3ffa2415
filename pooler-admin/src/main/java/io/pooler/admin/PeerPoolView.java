package io.pooler.admin;

/** One peer's cancel-forwarding counts, as SHOW PEER_POOLS lists them. */
public record PeerPoolView(int peerId, int clActiveCancelReq, int clWaitingCancelReq, int svActiveCancel, int svLogin) {
}
