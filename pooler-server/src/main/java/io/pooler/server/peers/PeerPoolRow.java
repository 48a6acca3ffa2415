package io.pooler.server.peers;

/** One row of SHOW PEER_POOLS, PgBouncer's columns in its order. */
public record PeerPoolRow(int peerId, int clActiveCancelReq, int clWaitingCancelReq, int svActiveCancel, int svLogin) {
}
