package io.pooler.server.client;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.pooler.pool.Pool;
import io.pooler.pool.PooledCancel;
import io.pooler.pool.PooledServer;
import io.pooler.server.PoolerRuntime;
import io.pooler.server.backend.ServerConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Turns a client's CancelRequest (with the key the pooler gave it) into a CancelRequest to the
 * server the client is linked to at this moment (with that server's own key), on a new connection,
 * as the protocol requires. A key that matches nobody, or a client with no server, is ignored, as
 * PostgreSQL ignores a bad cancel key.
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
        ClientConnection client = runtime.cancelRegistry().find(processId, secretKey);
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
        int pid = server.backendProcessId();
        int secret = server.backendSecretKey();
        long waitMillis = Math.max(1, runtime.config().config().settings().cancelWaitTimeout().toMillis());
        Pool pool = server.pool();
        PooledCancel cancel = pool.cancelRequested(server); // cl_waiting_cancel_req until connected
        ChannelFuture connect = runtime.backendConnector().openRaw(server.eventLoop(), server.target().address(),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        pool.cancelSent(cancel); // cl_active_cancel_req and sv_active_cancel until closed
                        runtime.backendConnector().writeCancelRequest(ctx.channel(), server.target().address(), pid, secret);
                        // PostgreSQL closes the connection once it has signalled the backend.
                        ctx.executor().schedule(() -> {
                            ctx.close();
                        }, waitMillis, TimeUnit.MILLISECONDS);
                    }
                });
        // NOTE: the cancel's channel is on the server's loop, so these listeners run there.
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                log.warn("{} could not forward cancel request to {}: {}", client, server, f.cause().getMessage());
                pool.cancelDone(cancel);
                server.cancelFinished();
            } else {
                connect.channel().closeFuture().addListener(closed -> {
                    pool.cancelDone(cancel);
                    server.cancelFinished();
                });
            }
        });
        log.debug("{} cancel forwarded to {}", client, server);
    }
}
