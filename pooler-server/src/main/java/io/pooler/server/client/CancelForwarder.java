package io.pooler.server.client;

import io.pooler.pool.Pool;
import io.pooler.pool.PooledCancel;
import io.pooler.pool.PooledServer;
import io.pooler.server.PoolerRuntime;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.peers.CancelKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.RejectedExecutionException;

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

    /**
     * Forwards the CancelRequest with these keys. Runs on the loop of the cancel request's own connection;
     * the rest runs on the loop of the client it names, which is its server's loop too, so the check that
     * the server is still that client's and the pool's cancel counts are read and changed on one thread.
     */
    static void forward(PoolerRuntime runtime, int processId, int secretKey) {
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
        try {
            client.eventLoop().execute(() -> forwardOnClientLoop(runtime, client));
        } catch (RejectedExecutionException e) {
            log.debug("{} cancel request while shutting down: ignored", client);
        }
    }

    private static void forwardOnClientLoop(PoolerRuntime runtime, ClientConnection client) {
        PooledServer linked = client.server();
        if (!(linked instanceof ServerConnection server)) {
            log.debug("{} cancel request while no server is linked: nothing to cancel", client);
            return;
        }
        if (!server.tryStartCancel(client)) {
            log.debug("{} cancel request raced with the end of its transaction: nothing to cancel", client);
            return;
        }
        Pool pool = server.pool();
        PooledCancel cancel = pool.cancelRequested(server); // cl_waiting_cancel_req until connected
        // NOTE: the cancel's connection is on the server's loop, so both callbacks run there.
        runtime.backendConnector()
                .sendCancelRequest(server.eventLoop(), server, server.backendProcessId(), server.backendSecretKey(),
                        () -> pool.cancelSent(cancel)) // cl_active_cancel_req and sv_active_cancel until closed
                .addListener(f -> {
                    pool.cancelDone(cancel);
                    server.cancelFinished();
                });
        log.debug("{} cancel forwarded to {}", client, server);
    }
}
