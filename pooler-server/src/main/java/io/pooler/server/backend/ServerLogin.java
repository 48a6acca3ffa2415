package io.pooler.server.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.FrontendMessages;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.SqlState;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A server connection's login (PgBouncer's {@code server.c} login half): server_tls_sslmode's
 * SSLRequest, the StartupMessage, the authentication exchange, the parameters and the cancel key,
 * up to the first ReadyForQuery; then, when the database entry has a {@code connect_query}, that query,
 * up to its ReadyForQuery. The login is timed by server_connect_timeout. Its state is dropped
 * once the server is logged in.
 *
 * <p>Threads: the server channel's event loop.
 */
final class ServerLogin {
    /** Logged as the connection's own lines. */
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
    private final ServerConnection server;
    private final BackendConnector connector;
    private final BackendTarget target;
    private final ServerAuthenticator authenticator;
    private ScheduledFuture<?> timer;
    /** connect_query was sent; its replies are swallowed until its ReadyForQuery. */
    private boolean runningConnectQuery;

    ServerLogin(ServerConnection server, BackendConnector connector, BackendTarget target) {
        this.server = server;
        this.connector = connector;
        this.target = target;
        this.authenticator = new ServerAuthenticator(target);
    }

    /** The TCP connection is up: the timer starts, TLS is negotiated if asked for, then the StartupMessage. */
    void start(ChannelHandlerContext ctx, Duration connectTimeout) {
        timer = server.eventLoop().schedule(() -> server.loginFailed(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE,
                "server login timed out (server_connect_timeout)")), Math.max(1, connectTimeout.toMillis()), TimeUnit.MILLISECONDS);
        connector.negotiateTls(server).addListener(f -> {
            if (f.isSuccess()) {
                sendStartupMessage(ctx);
            } else {
                server.loginFailed(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, ServerConnection.describe(f.cause())));
            }
        });
    }

    /** After server_tls_sslmode's SSLRequest, if any, was answered: the StartupMessage, over TLS or not. */
    private void sendStartupMessage(ChannelHandlerContext ctx) {
        if (server.isClosed() || !ctx.channel().isActive()) {
            return;
        }
        DedicatedServerOwner owner = server.owner();
        ctx.writeAndFlush(FrontendMessages.startupMessage(ctx.alloc(),
                owner == null ? target.startupParameters() : owner.startupParameters(target.startupParameters())));
    }

    /** One checked message of the login; the caller releases it. */
    void handleMessage(ChannelHandlerContext ctx, ByteBuf frame) {
        if (runningConnectQuery) {
            handleConnectQueryReply(frame);
            return;
        }
        try {
            switch (PgFrames.type(frame)) {
                case MessageType.AUTHENTICATION -> handleAuthentication(ctx, frame);
                case MessageType.PARAMETER_STATUS -> server.rememberParameter(frame);
                case MessageType.BACKEND_KEY_DATA -> {
                    ByteBuf body = PgFrames.body(frame);
                    server.setBackendKey(body.getInt(body.readerIndex()), body.getInt(body.readerIndex() + 4));
                }
                case MessageType.ERROR_RESPONSE -> server.loginFailed(ErrorResponse.parseBody(PgFrames.body(frame)));
                case MessageType.READY_FOR_QUERY -> loggedIn(ctx);
                case MessageType.NOTICE_RESPONSE, MessageType.NEGOTIATE_PROTOCOL_VERSION -> {
                }
                default -> server.loginFailed(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                        "unexpected message '" + (char) PgFrames.type(frame) + "' from server during login"));
            }
        } catch (ServerLoginException e) {
            server.loginFailed(e.error());
        }
    }

    /** Logged in: connect_query first if there is one, as PgBouncer's {@code exec_on_connect}. */
    private void loggedIn(ChannelHandlerContext ctx) {
        if (target.connectQuery().isEmpty()) {
            server.loginSucceeded();
            return;
        }
        runningConnectQuery = true;
        ctx.writeAndFlush(PgFrames.simpleQuery(ctx.alloc(), target.connectQuery().get()));
    }

    /**
     * A reply to connect_query. As PgBouncer: parameters it changes are remembered, an error is logged
     * and otherwise ignored, rows and the rest are dropped, and its ReadyForQuery ends the login
     * whatever the transaction status. The caller releases the frame.
     */
    private void handleConnectQueryReply(ByteBuf frame) {
        switch (PgFrames.type(frame)) {
            case MessageType.PARAMETER_STATUS -> server.rememberParameter(frame);
            case MessageType.ERROR_RESPONSE -> log.warn("{} connect_query failed: {}", server,
                    ErrorResponse.parseBody(PgFrames.body(frame)).message());
            case MessageType.READY_FOR_QUERY -> {
                runningConnectQuery = false;
                server.loginSucceeded();
            }
            default -> {
            }
        }
    }

    /** A part of a long message (a wide row, say) streamed during connect_query: dropped; else a protocol error. */
    boolean dropsStreamedParts() {
        return runningConnectQuery;
    }

    private void handleAuthentication(ChannelHandlerContext ctx, ByteBuf frame) throws ServerLoginException {
        ByteBuf reply = authenticator.respond(ctx.alloc(), frame);
        if (reply != null) {
            ctx.writeAndFlush(reply);
        }
    }

    /** The login ended, well or not. */
    void stopTimer() {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
