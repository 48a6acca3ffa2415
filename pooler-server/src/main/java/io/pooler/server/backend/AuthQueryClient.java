package io.pooler.server.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.auth.Secret;
import io.pooler.auth.Secrets;
import io.pooler.pool.Pool;
import io.pooler.pool.PooledClient;
import io.pooler.pool.PooledServer;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.DataRow;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.ParameterizedQuery;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One auth_query lookup: borrows a server connection from the auth_user's pool as a client would
 * (waiting in line when all are busy, as PgBouncer does), runs the query with the user name as a
 * bound parameter, reads the (name, secret) row and gives the server back.
 *
 * <p>Threads: created on the logging-in client's loop; once a server is lent, everything runs on that
 * server's loop. {@link #done} makes sure the caller hears exactly once, whichever of the reply, a
 * failure or the timeout comes first.
 */
public final class AuthQueryClient extends PooledClient implements InternalServerUser {
    private static final Logger log = LoggerFactory.getLogger(AuthQueryClient.class);

    /** What the lookup found out. */
    public sealed interface Result permits Found, Failed {
    }

    /**
     * The query ran. {@code secret} is empty when the user does not exist (no row, or a null name) or
     * exists without a usable password (a null secret: expired, or none set); no password is accepted then.
     */
    public record Found(Optional<Secret> secret) implements Result {
    }

    /** The lookup could not run or returned something unusable; {@code reason} is for the log only. */
    public record Failed(String reason) implements Result {
    }

    private final Pool pool;
    private final String query;
    private final String user;
    private final EventLoop loop;
    private final Consumer<Result> callback;
    private final AtomicBoolean done = new AtomicBoolean();
    private ScheduledFuture<?> timer;
    // Read and written on the lent server's loop only.
    private Secret secret;
    private boolean rowSeen;
    private String error;

    private AuthQueryClient(Pool pool, String query, String user, EventLoop loop, Consumer<Result> callback) {
        this.pool = pool;
        this.query = query;
        this.user = user;
        this.loop = loop;
        this.callback = callback;
    }

    /**
     * Starts a lookup of {@code user} in {@code pool} (the auth_user's pool, entered by the caller: the
     * lookup leaves it as it ends); {@code callback} runs once,
     * on some event loop, with the outcome. After {@code timeout} the lookup fails and a server still
     * running it is closed.
     */
    public static void lookup(Pool pool, String query, String user, EventLoop loop, Duration timeout,
                              Consumer<Result> callback) {
        AuthQueryClient lookup = new AuthQueryClient(pool, query, user, loop, callback);
        lookup.timer = loop.schedule(lookup::timedOut, Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        PooledServer server = pool.findServer(lookup);
        if (server != null) {
            lookup.onServerAssigned(server);
        }
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public String toString() {
        return "auth_query for " + user + " in " + pool.key();
    }

    @Override
    protected void onWelcomeReady() {
        // Never logs in to the pool as a client does: it only borrows servers through findServer.
    }

    @Override
    protected void onServerAssigned(PooledServer assigned) {
        ServerConnection server = (ServerConnection) assigned;
        server.eventLoop().execute(() -> {
            if (done.get()) {
                giveBack(server, true); // timed out while the server was on its way; it is untouched
                return;
            }
            log.debug("{} running on {}", this, server);
            server.channel().writeAndFlush(ParameterizedQuery.encode(server.channel().alloc(), query, List.of(user)));
        });
    }

    @Override
    protected void onWaitFailed(ErrorResponse error) {
        pool.clientClosed(this);
        finish(new Failed("no server for the lookup: " + error.message()));
    }

    @Override
    public void serverMessage(ServerConnection server, ByteBuf frame) {
        try {
            switch (PgFrames.type(frame)) {
                case MessageType.DATA_ROW -> readRow(frame);
                case MessageType.ERROR_RESPONSE -> error = ErrorResponse.parseBody(PgFrames.body(frame)).message();
                case MessageType.READY_FOR_QUERY -> replyComplete(server, BackendMessages.transactionStatus(frame));
                case '1', '2', MessageType.COMMAND_COMPLETE, MessageType.NOTICE_RESPONSE,
                     MessageType.NOTIFICATION_RESPONSE, MessageType.EMPTY_QUERY_RESPONSE -> {
                }
                default -> error = "unexpected message '" + (char) PgFrames.type(frame) + "' in reply to auth_query";
            }
        } catch (ProtocolException e) {
            error = e.getMessage();
        } finally {
            frame.release();
        }
    }

    @Override
    public void serverClosed(ServerConnection server) {
        pool.clientClosed(this);
        finish(new Failed("server connection closed during the lookup"));
    }

    /** The first row decides, as in PgBouncer; a null name means "no such user" (the SECURITY DEFINER function idiom). */
    private void readRow(ByteBuf frame) {
        List<String> columns = DataRow.columns(frame);
        if (columns.size() != 2) {
            error = "auth_query must return 2 columns (name, secret), not " + columns.size();
            return;
        }
        if (rowSeen) {
            return;
        }
        rowSeen = true;
        if (columns.get(0) != null && columns.get(1) != null && !columns.get(1).isEmpty()) {
            secret = Secrets.parse(columns.get(1));
        }
    }

    private void replyComplete(ServerConnection server, byte transactionStatus) {
        boolean clean = error == null && transactionStatus == BackendMessages.TX_IDLE;
        giveBack(server, clean);
        if (error != null) {
            finish(new Failed("auth_query failed: " + error));
        } else {
            finish(new Found(Optional.ofNullable(secret)));
        }
    }

    /** A server that answered with an error is closed, as PgBouncer does; a clean one goes back to the pool. */
    private void giveBack(ServerConnection server, boolean clean) {
        server.releaseServer(ServerRelease.Request.lookupDone(clean));
        pool.clientClosed(this);
    }

    private void timedOut() {
        if (done.get()) {
            return;
        }
        PooledServer server = server();
        if (server != null) {
            server.close("auth_query timed out");
        } else {
            pool.clientClosed(this);
        }
        finish(new Failed("timed out"));
    }

    private void finish(Result result) {
        if (done.compareAndSet(false, true)) {
            if (timer != null) {
                timer.cancel(false);
            }
            pool.leave(); // entered by the caller; a server still on its way holds the pool by its own slot
            callback.accept(result);
        }
    }
}
