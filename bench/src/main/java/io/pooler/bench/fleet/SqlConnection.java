package io.pooler.bench.fleet;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.pooler.auth.ScramClientExchange;
import io.pooler.auth.ScramException;
import io.pooler.bench.load.Credentials;
import io.pooler.protocol.Authentication;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.FrontendMessages;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.SqlState;
import io.pooler.server.net.Transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * One client connection as psycopg2 uses it: a SCRAM login, then simple-protocol Query messages one at
 * a time, each answered by a {@link QueryResult} at its ReadyForQuery; NotificationResponses (LISTEN)
 * go to a callback whenever they come.
 *
 * <p>The same Netty and SCRAM pieces as the bench's {@code PgClient} (a login derives the keys once per
 * role through {@link Credentials}, then costs a few HMACs), but driven by the caller instead of by a
 * pgbench script: the fleet's simulated Odoo processes decide statement by statement.
 *
 * <p>Threads: everything runs on {@link #loop}, where the futures complete; callers chain on them there.
 */
final class SqlConnection {
    private static final int MAX_MESSAGE_LENGTH = 1 << 20;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final EventLoop loop;
    private final Credentials credentials;
    private final CompletableFuture<SqlConnection> login = new CompletableFuture<>();
    private BiConsumer<String, String> onNotification = (channel, payload) -> { };
    private Channel channel;
    private ScramClientExchange scram;
    private CompletableFuture<QueryResult> pending;
    private List<String> columns = List.of();
    private List<List<String>> rows = new ArrayList<>();
    private String sqlState;
    private String errorMessage;
    private boolean closing;

    private final Map<String, String> startup;

    private SqlConnection(EventLoop loop, Credentials credentials, Map<String, String> startup) {
        this.loop = loop;
        this.credentials = credentials;
        this.startup = startup;
    }

    /** Connects and logs in; the future fails with the server's message when the login does. */
    static CompletableFuture<SqlConnection> open(Transport transport, EventLoop loop, String host, int port,
                                                 String database, Credentials credentials, String applicationName) {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", credentials.user());
        startup.put("database", database);
        startup.put("application_name", applicationName);
        SqlConnection c = new SqlConnection(loop, credentials, startup);
        new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(PgFrameDecoder.forServer(MAX_MESSAGE_LENGTH), c.new Handler());
                    }
                })
                .connect(host, port)
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        c.login.completeExceptionally(new IOException("connect failed: " + f.cause().getMessage()));
                    }
                });
        return c.login;
    }

    EventLoop loop() {
        return loop;
    }

    /** Where NotificationResponses go (channel, payload); called on {@link #loop}. */
    void onNotification(BiConsumer<String, String> callback) {
        this.onNotification = callback;
    }

    boolean isOpen() {
        return channel != null && channel.isActive() && !closing;
    }

    /** Sends one Query message (one or more statements); completes at its ReadyForQuery. Call on {@link #loop}. */
    CompletableFuture<QueryResult> query(String sql) {
        if (pending != null) {
            throw new IllegalStateException("a query is under way on this connection");
        }
        CompletableFuture<QueryResult> result = new CompletableFuture<>();
        if (!isOpen()) {
            result.completeExceptionally(new IOException("connection closed"));
            return result;
        }
        pending = result;
        columns = List.of();
        rows = new ArrayList<>();
        sqlState = null;
        errorMessage = null;
        channel.writeAndFlush(PgFrames.simpleQuery(channel.alloc(), sql), channel.voidPromise());
        return result;
    }

    /** Says goodbye (Terminate) and closes. */
    void close() {
        loop.execute(() -> {
            closing = true;
            if (channel != null && channel.isActive()) {
                channel.writeAndFlush(PgFrames.terminate(channel.alloc())).addListener(ChannelFutureListener.CLOSE);
            }
        });
    }

    private void onActive(Channel ch) {
        channel = ch;
        ch.writeAndFlush(FrontendMessages.startupMessage(ch.alloc(), startup));
    }

    private void onAuthentication(ByteBuf body) throws ScramException {
        int code = body.getInt(body.readerIndex());
        switch (code) {
            case Authentication.OK -> {
                // ParameterStatus, BackendKeyData and ReadyForQuery follow.
            }
            case Authentication.SASL -> {
                scram = credentials.newExchange();
                channel.writeAndFlush(FrontendMessages.saslInitialResponse(channel.alloc(), scram.mechanism(),
                        scram.clientFirstMessage()));
            }
            case Authentication.SASL_CONTINUE -> {
                String serverFirst = saslData(body);
                String clientFinal = scram.handleServerFirst(serverFirst);
                credentials.learn(serverFirst);
                channel.writeAndFlush(FrontendMessages.saslResponse(channel.alloc(), clientFinal));
            }
            case Authentication.SASL_FINAL -> scram.verifyServerFinal(saslData(body));
            default -> throw new ScramException(ScramException.Kind.UNSUPPORTED,
                    "the fleet logs in with SCRAM-SHA-256 only; the server asked for authentication " + code);
        }
    }

    private static String saslData(ByteBuf body) {
        return body.toString(body.readerIndex() + 4, body.readableBytes() - 4, StandardCharsets.UTF_8);
    }

    private void onError(ByteBuf body) {
        ErrorResponse error = ErrorResponse.parseBody(body);
        if (!login.isDone()) {
            if (SqlState.INVALID_PASSWORD.equals(error.sqlState())) {
                credentials.forget();
            }
            login.completeExceptionally(new IOException("login: " + error.sqlState() + " " + error.message()));
            return;
        }
        if (sqlState == null) {
            sqlState = error.sqlState();
            errorMessage = error.message();
        }
    }

    private void onRowDescription(ByteBuf body) {
        int count = body.readUnsignedShort();
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(PgFrames.readCString(body));
            body.skipBytes(18); // table oid, column number, type oid, size, modifier, format
        }
        columns = names;
    }

    private void onDataRow(ByteBuf body) {
        int count = body.readUnsignedShort();
        List<String> row = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = body.readInt();
            row.add(length < 0 ? null : body.readCharSequence(length, StandardCharsets.UTF_8).toString());
        }
        rows.add(row);
    }

    private void onNotificationResponse(ByteBuf body) {
        body.skipBytes(4); // the notifying backend's process id
        String notifyChannel = PgFrames.readCString(body);
        String payload = PgFrames.readCString(body);
        onNotification.accept(notifyChannel, payload);
    }

    private void onReadyForQuery(byte status) {
        scram = null;
        if (!login.isDone()) {
            login.complete(this);
            return;
        }
        CompletableFuture<QueryResult> done = pending;
        pending = null;
        if (done != null) {
            done.complete(new QueryResult(rows, columns, sqlState, errorMessage, status));
        }
    }

    private void onInactive() {
        IOException closed = new IOException(closing ? "closed" : "connection closed by the server");
        login.completeExceptionally(closed);
        CompletableFuture<QueryResult> done = pending;
        pending = null;
        if (done != null) {
            done.completeExceptionally(closed);
        }
    }

    /** The per-channel handler. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            onActive(ctx.channel());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                ByteBuf body = PgFrames.body(frame);
                switch (PgFrames.type(frame)) {
                    case MessageType.AUTHENTICATION -> onAuthentication(body);
                    case MessageType.ERROR_RESPONSE -> onError(body);
                    case MessageType.ROW_DESCRIPTION -> onRowDescription(body);
                    case MessageType.DATA_ROW -> onDataRow(body);
                    case MessageType.NOTIFICATION_RESPONSE -> onNotificationResponse(body);
                    case MessageType.READY_FOR_QUERY -> onReadyForQuery(body.getByte(body.readerIndex()));
                    default -> {
                        // Completions, parameters, key data and notices need no answer.
                    }
                }
            } catch (ScramException e) {
                login.completeExceptionally(e);
                ctx.close();
            } finally {
                ReferenceCountUtil.release(frame);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            onInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            login.completeExceptionally(cause);
            ctx.close();
        }
    }
}
