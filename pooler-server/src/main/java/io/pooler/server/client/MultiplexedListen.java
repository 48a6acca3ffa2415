package io.pooler.server.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.pooler.pool.Pool;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.SqlState;
import io.pooler.server.listen.ClientNotifications;
import io.pooler.server.listen.ExtendedListenBatch;
import io.pooler.server.listen.ListenerHubs;
import io.pooler.sql.ListenCommand;

import java.util.ArrayDeque;
import java.util.Map;

/**
 * One client's LISTEN and UNLISTEN under listen_multiplex (transaction and statement pooling): the
 * pooler answers a lone one itself, between transactions or idle inside one, and subscribes the client
 * through its pool's listener ({@link ClientNotifications}), which delivers the notifications between
 * its transactions. An extended-protocol one is held as a batch until its Sync
 * ({@link ExtendedListenBatch}). While a LISTEN waits for the listener, what the client sends next is
 * held here and reading it stops.
 *
 * <p>Made at a client's first LISTEN, UNLISTEN or Parse ({@link FrontendRelay}), so that an idle
 * client, or one that never listens and speaks only the simple protocol, does not pay for it.
 *
 * <p>Threads: the client channel's event loop.
 */
final class MultiplexedListen {
    private final FrontendRelay relay;
    private final ClientConnection client;
    private final Channel channel;
    private final Pool pool;
    private final ListenerHubs listenerHubs;
    /** Its subscriptions through the pool's listener; null until its first LISTEN. */
    private ClientNotifications notifications;
    /** A LISTEN waits for the listener: later messages wait in {@link #held}, reading stops. */
    private boolean awaiting;
    private ArrayDeque<Object> held;
    /** An extended-protocol LISTEN/UNLISTEN batch, held until its Sync; null until the client's first Parse. */
    private ExtendedListenBatch extendedBatch;

    MultiplexedListen(FrontendRelay relay, ClientConnection client, Pool pool, ListenerHubs listenerHubs) {
        this.relay = relay;
        this.client = client;
        this.channel = client.channel();
        this.pool = pool;
        this.listenerHubs = listenerHubs;
    }

    /** A LISTEN waits for the listener: nothing more is read or handled until it is answered. */
    boolean awaiting() {
        return awaiting;
    }

    /** A message that came while a LISTEN waits for the listener; handled once it is answered. */
    void hold(Object msg) {
        if (held == null) {
            held = new ArrayDeque<>();
        }
        held.add(msg);
    }

    /** True when the extended-protocol batch took {@code msg}; the batch is made at the first Parse. */
    boolean offerToExtendedBatch(Object msg) {
        if (extendedBatch == null) {
            if (!(msg instanceof ByteBuf frame) || PgFrames.type(frame) != MessageType.PARSE) {
                return false;
            }
            extendedBatch = new ExtendedListenBatch(relay::extendedListenAnswerStatus, relay::handleMessage, this::answer);
        }
        return extendedBatch.offer(msg);
    }

    /** An extended batch is held until its Sync: a transaction is under way. */
    boolean holdingExtendedBatch() {
        return extendedBatch != null && extendedBatch.holding();
    }

    /** The client listens on some channel through the pool's listener. */
    boolean listening() {
        return notifications != null && notifications.listening();
    }

    /** Its subscriptions end (UNLISTEN * or DISCARD ALL, answered here or run on a server). */
    void unlistenAll() {
        if (notifications != null) {
            notifications.unlistenAll();
        }
    }

    /** Between transactions: notifications held meanwhile go to the client. */
    void flushHeldNotifications() {
        if (notifications != null) {
            notifications.flushHeld();
        }
    }

    /** The client's socket drained: notifications that waited for it go out. */
    void clientWritable() {
        if (notifications != null) {
            notifications.writable();
        }
    }

    /**
     * Answers a lone LISTEN/UNLISTEN; {@code answers} are those to an extended one's Parse, Bind and
     * Describe (see ExtendedListenBatch), written before its CommandComplete; null for a Query. A LISTEN
     * is answered once the pool's listener listens, so a NOTIFY the client sends next reaches it.
     */
    void answer(ListenCommand command, byte transactionStatus, ExtendedListenBatch.Answers answers) {
        if (notifications == null) {
            notifications = new ClientNotifications(channel, pool, listenerHubs,
                    () -> client.isReady() && !awaiting && relay.betweenTransactions(),
                    reason -> client.disconnect(reason, SqlState.CONNECTION_FAILURE));
        }
        switch (command.kind()) {
            case LISTEN -> {
                awaiting = true;
                channel.config().setAutoRead(false);
                notifications.listen(command.channel(),
                        () -> listenDone(() -> relay.answerLocally(answers, command.commandTag(), Map.of(), transactionStatus)),
                        refusal -> listenDone(() -> refuse(refusal, answers, transactionStatus)));
            }
            case UNLISTEN -> {
                notifications.unlisten(command.channel());
                relay.answerLocally(answers, command.commandTag(), Map.of(), transactionStatus);
            }
            case UNLISTEN_ALL -> {
                notifications.unlistenAll();
                relay.answerLocally(answers, command.commandTag(), Map.of(), transactionStatus);
            }
        }
    }

    /**
     * The listener answered a LISTEN: {@code answer} is written, and the messages held meanwhile go on.
     * Runs as a task of the client's loop, outside a read burst, so it flushes what it sent a server.
     */
    private void listenDone(Runnable answer) {
        if (client.isClosed()) {
            return;
        }
        awaiting = false;
        answer.run();
        relay.resumeReading();
        while (!awaiting && held != null && !held.isEmpty() && !client.isClosed()) {
            client.handleLoggedInMessage(held.poll());
        }
        relay.flushToServer(); // not in a read burst: nothing else would flush what went to the server here
    }

    /**
     * A LISTEN past a channel limit (ListenChannelLimits) fails as a statement fails in PostgreSQL. Between
     * transactions the pooler answers: ErrorResponse, then ReadyForQuery, after the answers to an extended
     * batch's Parse, Bind and Describe (PostgreSQL fails its Execute). Inside a transaction block the
     * transaction must be aborted on the server too, so that what follows fails with 25P02 until ROLLBACK
     * as on a direct connection: the client's server runs, in the LISTEN's place, a statement that raises
     * the same error, and its answer (ErrorResponse, ReadyForQuery 'E') is relayed as any other.
     */
    private void refuse(ErrorResponse refusal, ExtendedListenBatch.Answers answers, byte transactionStatus) {
        if (answers != null) {
            answers.write(channel);
        }
        if (transactionStatus != BackendMessages.TX_IDLE) {
            relay.handleMessage(PgFrames.simpleQuery(channel.alloc(), raiseSql(refusal)));
            return;
        }
        channel.write(refusal.encode(channel.alloc()));
        channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), BackendMessages.TX_IDLE));
        notifications.flushHeld();
    }

    /**
     * A statement that fails with {@code error}'s SQLSTATE and message (the pooler's own text, no client's).
     * NOTE: PL/pgSQL is in every database unless dropped; where it was, the DO fails with another
     * SQLSTATE, and the transaction is aborted all the same.
     */
    static String raiseSql(ErrorResponse error) {
        return "DO $pooler$BEGIN RAISE EXCEPTION USING ERRCODE = '" + error.sqlState() + "', MESSAGE = '"
                + error.message().replace("'", "''") + "'; END$pooler$";
    }

    /** The client is gone: what was held is released, the batch dropped, its subscriptions end. */
    void discard() {
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held.clear();
        }
        if (extendedBatch != null) {
            extendedBatch.discard();
        }
        if (notifications != null) {
            notifications.close();
        }
    }
}
