package io.pooler.server.client;

import io.netty.channel.EventLoop;
import io.pooler.pool.PooledServer;
import io.pooler.server.PoolerRuntime;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.peers.CancelKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes a client's CancelRequest, as PgBouncer's {@code accept_cancel_request}:
 * <ul>
 * <li>with peering on ({@code peer_id > 0}) and a key that names another peer: on to that peer
 *     ({@link io.pooler.server.peers.PeerPools}), never back to ourselves;</li>
 * <li>else to the server the key's client is linked to at this moment, with that server's own key, on a new
 *     connection as the protocol requires.</li>
 * </ul>
 * A key that matches nobody, or a client with no server, is ignored, as PostgreSQL ignores a bad cancel key.
 */
final class CancelForwarder {
    private static final Logger log = LoggerFactory.getLogger(CancelForwarder.class);

    private CancelForwarder() {
    }

    static void forward(PoolerRuntime runtime, int processId, int secretKey, EventLoop loop) {
        int ourId = runtime.config().config().settings().peerId();
        int secret = secretKey;
        if (ourId > 0) {
            int keyPeer = CancelKey.peerId(processId);
            if (keyPeer != ourId) {
                runtime.peers().forward(keyPeer, processId, secretKey);
                return;
            }
            secret = CancelKey.asHandedOut(secretKey); // it may have come through peers, each taking one off
        }
        ClientConnection client = runtime.cancelRegistry().find(processId, secret);
        if (client == null) {
            log.debug("cancel request with unknown key ignored");
            return;
        }
        PooledServer linked = client.server();
        if (!(linked instanceof ServerConnection server)) {
            log.debug("{} cancel request while no server is linked: nothing to cancel", client);
            return;
        }
        if (!server.tryStartCancel(client)) {
            log.debug("{} cancel request raced with the end of its transaction: nothing to cancel", client);
            return;
        }
        runtime.backendConnector()
                .sendCancelRequest(loop, server, server.backendProcessId(), server.backendSecretKey())
                .addListener(f -> server.cancelFinished());
        log.debug("{} cancel forwarded to {}", client, server);
    }
}
