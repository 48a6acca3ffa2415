package io.pooler.server.client;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.pooler.pool.PooledServer;
import io.pooler.protocol.FrontendMessages;
import io.pooler.server.PoolerRuntime;
import io.pooler.server.backend.ServerConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    static void forward(PoolerRuntime runtime, int processId, int secretKey, EventLoop loop) {
        ClientConnection client = runtime.cancelRegistry().find(processId, secretKey);
        if (client == null) {
            log.debug("cancel request with unknown key ignored");
            return;
        }
        PooledServer linked = client.server();
        if (!(linked instanceof ServerConnection server)) {
            log.debug("{} cancel request while no server is linked: nothing to cancel", client);
            return;
        }
        int pid = server.backendProcessId();
        int secret = server.backendSecretKey();
        runtime.backendConnector().openRaw(loop, server.target().address(), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(FrontendMessages.cancelRequest(ctx.alloc(), pid, secret))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }).addListener(f -> {
            if (!f.isSuccess()) {
                log.warn("{} could not forward cancel request to {}: {}", client, server, f.cause().getMessage());
            }
        });
        log.debug("{} cancel forwarded to {}", client, server);
    }
}
