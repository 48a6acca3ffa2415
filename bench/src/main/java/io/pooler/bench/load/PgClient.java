package io.pooler.bench.load;

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
import io.pooler.protocol.Authentication;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.FrontendMessages;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.SqlState;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One simulated client: it logs in with SCRAM, then runs its script transaction after transaction,
 * paced as the spec says, each statement waiting for the ReadyForQuery of the one before, as pgbench
 * and most applications do. With a connection per transaction it opens, logs in on and closes a
 * connection around each transaction.
 *
 * <p>Threads: owned by {@link #loop}; every channel it opens is registered on that loop, so its
 * fields need no synchronization. Only {@link #busySince} is read from elsewhere.
 */
final class PgClient {
    private static final int MAX_MESSAGE_LENGTH = 1 << 20;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    /** How long a client whose connection failed waits before it tries again. */
    private static final long RETRY_DELAY_MILLIS = 1000;

    private enum Phase {
        /** No channel, or one that is connecting. */
        CONNECTING,
        /** Startup sent; answering authentication requests until ReadyForQuery. */
        LOGGING_IN,
        /** Logged in, waiting for the next transaction to be due. */
        IDLE,
        /** Waiting for the ReadyForQuery of {@link #statement}. */
        IN_TRANSACTION,
        /** A statement failed inside a transaction block; waiting for the ROLLBACK's ReadyForQuery. */
        ROLLING_BACK,
        /** We are closing the channel on purpose: at the end, or after a transaction that had its own connection. */
        CLOSING
    }

    private final LoadGenerator run;
    private final LoadSpec spec;
    private final EventLoop loop;
    private final SplittableRandom random;
    private final List<Statement> statements;
    private final String[] statementNames;
    private final String applicationName;

    private Channel channel;
    private Phase phase = Phase.CONNECTING;
    private ScramClientExchange scram;
    /** Whether the first login attempt has been reported to the ramp, which counts each client's first one only. */
    private boolean firstAttemptReported;
    private boolean[] preparedOnThisConnection;

    private long intendedStart;
    private long nextDue;
    private long[] values;
    private int statement;
    private boolean failed;
    /** nanoTime the current transaction was due, 0 between transactions; read by {@link LoadGenerator#stalledClients}. */
    private volatile long busySince;

    PgClient(LoadGenerator run, EventLoop loop, SplittableRandom random, String applicationName) {
        this.run = run;
        this.applicationName = applicationName;
        this.spec = run.spec();
        this.loop = loop;
        this.random = random;
        this.statements = spec.script().statements();
        this.statementNames = new String[statements.size()];
        for (int i = 0; i < statementNames.length; i++) {
            statementNames[i] = "bench_" + i;
        }
    }

    /** Starts the client: its first connection, or with a connection per transaction, its first transaction. */
    void start() {
        loop.execute(() -> {
            if (spec.connectPerTransaction()) {
                beginTransaction(System.nanoTime());
            } else {
                connect();
            }
        });
    }

    /** Says goodbye and closes, at the end of the run. */
    void stop() {
        loop.execute(() -> {
            Phase was = phase;
            phase = Phase.CLOSING;
            if (channel != null && channel.isActive()) {
                if (was == Phase.IDLE) {
                    channel.writeAndFlush(PgFrames.terminate(channel.alloc())).addListener(ChannelFutureListener.CLOSE);
                } else {
                    channel.close();
                }
            }
        });
    }

    long busySince() {
        return busySince;
    }

    // ---- connecting and logging in ----

    private void connect() {
        phase = Phase.CONNECTING;
        Endpoint endpoint = spec.endpoint();
        new Bootstrap()
                .group(loop)
                .channel(run.transport().socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(PgFrameDecoder.forServer(MAX_MESSAGE_LENGTH), new Handler());
                    }
                })
                .connect(endpoint.host(), endpoint.port())
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        loginFailed("connect failed: " + f.cause().getMessage());
                        retryLater();
                    }
                });
    }

    private void onActive(Channel ch) {
        channel = ch;
        phase = Phase.LOGGING_IN;
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", spec.endpoint().credentials().user());
        startup.put("database", spec.endpoint().database());
        startup.put("application_name", applicationName);
        ch.writeAndFlush(FrontendMessages.startupMessage(ch.alloc(), startup));
    }

    private void onAuthentication(ByteBuf body) throws ScramException {
        int code = body.getInt(body.readerIndex());
        switch (code) {
            case Authentication.OK -> {
                // ReadyForQuery follows, after the parameters and the key data.
            }
            case Authentication.SASL -> {
                scram = spec.endpoint().credentials().newExchange();
                channel.writeAndFlush(FrontendMessages.saslInitialResponse(channel.alloc(), scram.mechanism(),
                        scram.clientFirstMessage()));
            }
            case Authentication.SASL_CONTINUE -> {
                String serverFirst = saslData(body);
                String clientFinal = scram.handleServerFirst(serverFirst);
                spec.endpoint().credentials().learn(serverFirst);
                channel.writeAndFlush(FrontendMessages.saslResponse(channel.alloc(), clientFinal));
            }
            case Authentication.SASL_FINAL -> scram.verifyServerFinal(saslData(body));
            default -> throw new ScramException(ScramException.Kind.UNSUPPORTED,
                    "the bench logs in with SCRAM-SHA-256 only; the server asked for authentication " + code);
        }
    }

    private static String saslData(ByteBuf body) {
        return body.toString(body.readerIndex() + 4, body.readableBytes() - 4, StandardCharsets.UTF_8);
    }

    private void loggedIn() {
        scram = null;
        preparedOnThisConnection = new boolean[statements.size()];
        reportFirstAttempt(true);
        if (spec.connectPerTransaction()) {
            // The transaction was due before we connected: its latency counts the login.
            phase = Phase.IN_TRANSACTION;
            sendStatement();
            return;
        }
        phase = Phase.IDLE;
        nextDue = System.nanoTime() + spec.pacing().firstDelayNanos(spec.clients(), random);
        scheduleNext();
    }

    private void loginFailed(String message) {
        run.error(message);
        reportFirstAttempt(false);
    }

    private void reportFirstAttempt(boolean loggedIn) {
        if (!firstAttemptReported) {
            firstAttemptReported = true;
            run.firstLoginAttemptEnded(loggedIn);
        }
    }

    private void retryLater() {
        phase = Phase.CONNECTING;
        busySince = 0;
        if (run.running()) {
            loop.schedule(this::reconnectOrBegin, RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void reconnectOrBegin() {
        if (!run.running() || phase == Phase.CLOSING) {
            return;
        }
        if (spec.connectPerTransaction()) {
            beginTransaction(System.nanoTime());
        } else {
            connect();
        }
    }

    // ---- transactions ----

    private void scheduleNext() {
        if (!run.running() || spec.pacing().isIdle()) {
            return;
        }
        long now = System.nanoTime();
        if (spec.pacing().isClosedLoop()) {
            beginTransaction(now);
            return;
        }
        long due = nextDue;
        nextDue += spec.pacing().intervalNanos(spec.clients());
        if (due <= now) {
            beginTransaction(due);
        } else {
            loop.schedule(() -> {
                if (phase == Phase.IDLE) {
                    beginTransaction(due);
                }
            }, due - now, TimeUnit.NANOSECONDS);
        }
    }

    private void beginTransaction(long due) {
        if (!run.running()) {
            return;
        }
        intendedStart = due;
        busySince = due;
        values = spec.script().draw(random);
        statement = 0;
        failed = false;
        if (spec.connectPerTransaction()) {
            connect();
            return;
        }
        phase = Phase.IN_TRANSACTION;
        sendStatement();
    }

    private void sendStatement() {
        Statement s = statements.get(statement);
        ByteBuf out = channel.alloc().buffer(128);
        if (spec.protocol() == Protocol.SIMPLE) {
            ExtendedMessages.query(out, s.render(values));
        } else {
            if (!preparedOnThisConnection[statement]) {
                ExtendedMessages.parse(out, statementNames[statement], s.sql());
                preparedOnThisConnection[statement] = true;
            }
            String[] parameters = new String[s.parameterCount()];
            for (int i = 0; i < parameters.length; i++) {
                parameters[i] = Long.toString(s.parameter(i, values));
            }
            ExtendedMessages.bind(out, statementNames[statement], parameters);
            ExtendedMessages.execute(out);
            ExtendedMessages.sync(out);
        }
        channel.writeAndFlush(out, channel.voidPromise());
    }

    private void onReadyForQuery(byte transactionStatus) {
        switch (phase) {
            case LOGGING_IN -> loggedIn();
            case IN_TRANSACTION -> statementDone(transactionStatus);
            case ROLLING_BACK -> endTransaction(false);
            default -> {
                // CLOSING: the run is over.
            }
        }
    }

    private void statementDone(byte transactionStatus) {
        if (failed) {
            if (transactionStatus != BackendMessages.TX_IDLE) {
                phase = Phase.ROLLING_BACK;
                ByteBuf out = channel.alloc().buffer(16);
                ExtendedMessages.query(out, "ROLLBACK");
                channel.writeAndFlush(out, channel.voidPromise());
            } else {
                endTransaction(false);
            }
            return;
        }
        statement++;
        if (statement < statements.size()) {
            sendStatement();
        } else {
            endTransaction(true);
        }
    }

    private void endTransaction(boolean succeeded) {
        long end = System.nanoTime();
        busySince = 0;
        if (succeeded) {
            run.recordLatency(end - intendedStart);
        }
        if (spec.connectPerTransaction()) {
            phase = Phase.CLOSING;
            channel.writeAndFlush(PgFrames.terminate(channel.alloc())).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        phase = Phase.IDLE;
        scheduleNext();
    }

    private void onError(ByteBuf body) {
        ErrorResponse error = ErrorResponse.parseBody(body);
        String message = error.severity() + " " + error.sqlState() + ": " + error.message();
        if (phase == Phase.LOGGING_IN) {
            if (SqlState.INVALID_PASSWORD.equals(error.sqlState())) {
                spec.endpoint().credentials().forget();
            }
            // The server closes after a FATAL; channelInactive then retries.
            loginFailed("login: " + message);
            phase = Phase.CONNECTING;
            return;
        }
        run.error(message);
        failed = true;
    }

    private void onInactive() {
        Phase was = phase;
        channel = null;
        if (was == Phase.CLOSING) {
            if (spec.connectPerTransaction() && run.running()) {
                scheduleNextWithOwnConnection();
            }
            return;
        }
        if (was == Phase.LOGGING_IN) {
            loginFailed("connection closed during login");
        } else if (was != Phase.CONNECTING) {
            run.error("connection closed by the server while " + was.name().toLowerCase().replace('_', ' '));
        }
        retryLater();
    }

    private void scheduleNextWithOwnConnection() {
        if (spec.pacing().isClosedLoop()) {
            beginTransaction(System.nanoTime());
            return;
        }
        long now = System.nanoTime();
        if (nextDue == 0) {
            nextDue = now + spec.pacing().firstDelayNanos(spec.clients(), random);
        }
        long due = nextDue;
        nextDue += spec.pacing().intervalNanos(spec.clients());
        loop.schedule(() -> beginTransaction(due), Math.max(0, due - now), TimeUnit.NANOSECONDS);
    }

    private void fail(Throwable cause) {
        if (phase != Phase.CLOSING) {
            run.error(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
        if (channel != null) {
            channel.close();
        }
    }

    /** The per-channel handler; a new one for each connection, since a client may open many. */
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
                    case MessageType.READY_FOR_QUERY -> onReadyForQuery(body.getByte(body.readerIndex()));
                    default -> {
                        // Rows, completions, parameters, key data and notices need no answer.
                    }
                }
            } catch (ScramException e) {
                fail(e);
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
            fail(cause);
        }
    }
}
