package io.pooler.server.client;

import io.pooler.pool.Pool;
import io.pooler.pool.PooledCancel;
import io.pooler.pool.PooledServer;
import io.pooler.server.RuntimeConfig;
import io.pooler.server.backend.BackendConnector;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.peers.CancelKey;
import io.pooler.server.peers.PeerPools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

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
public final class CancelForwarder {
    private static final Logger log = LoggerFactory.getLogger(CancelForwarder.class);

    private final Supplier<RuntimeConfig> config;
    private final PeerPools peers;
    private final CancelRegistry cancelRegistry;
    private final BackendConnector connector;

    /**
     * @param peers where a key of another peer goes
     * @param cancelRegistry the keys handed out to this process's clients
     * @param connector opens the connection that carries the CancelRequest to the server
     */
    public CancelForwarder(Supplier<RuntimeConfig> config, PeerPools peers, CancelRegistry cancelRegistry,
                           BackendConnector connector) {
        this.config = config;
        this.peers = peers;
        this.cancelRegistry = cancelRegistry;
        this.connector = connector;
    }

    /**
     * Forwards the CancelRequest with these keys that came on {@code requester}'s connection (SHOW CLIENTS
     * lists it while the cancel is on its way); {@code done} runs once, on any thread, when the request is
     * finished with: its connection to PostgreSQL (or to the peer) closed, given up, or the request
     * ignored. Runs on the loop of the cancel request's own connection; the rest runs on the loop of the
     * client it names, which is its server's loop too, so the check that the server is still that
     * client's and the pool's cancel counts are read and changed on one thread.
     */
    void forward(ClientConnection requester, int processId, int secretKey, Runnable done) {
        int ourId = config.get().config().settings().peerId();
        int secret = secretKey;
        if (ourId > 0) {
            int keyPeer = CancelKey.peerId(processId);
            if (keyPeer != ourId) {
                peers.forward(keyPeer, processId, secretKey, done);
                return;
            }
            secret = CancelKey.asHandedOut(secretKey); // it may have come through peers, each taking one off
        }
        ClientConnection client = cancelRegistry.find(processId, secret);
        if (client == null) {
            log.debug("cancel request with unknown key ignored");
            done.run();
            return;
        }
        try {
            client.eventLoop().execute(() -> forwardOnClientLoop(requester, client, done));
        } catch (RejectedExecutionException e) {
            log.debug("{} cancel request while shutting down: ignored", client);
            done.run();
        }
    }

    private void forwardOnClientLoop(ClientConnection requester, ClientConnection client, Runnable done) {
        PooledServer linked = client.server();
        if (!(linked instanceof ServerConnection server)) {
            log.debug("{} cancel request while no server is linked: nothing to cancel", client);
            done.run();
            return;
        }
        if (!server.tryStartCancel(client)) {
            log.debug("{} cancel request raced with the end of its transaction: nothing to cancel", client);
            done.run();
            return;
        }
        Pool pool = server.pool();
        PooledCancel cancel = pool.cancelRequested(server, requester); // cl_waiting_cancel_req until connected
        // NOTE: the cancel's connection is on the server's loop, so both callbacks run there.
        connector.sendCancelRequest(server.eventLoop(), server, server.backendProcessId(), server.backendSecretKey(),
                        () -> pool.cancelSent(cancel)) // cl_active_cancel_req and sv_active_cancel until closed
                .addListener(f -> {
                    pool.cancelDone(cancel);
                    server.cancelFinished();
                    done.run();
                });
        log.debug("{} cancel forwarded to {}", client, server);
    }
}
