package io.pooler.server.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.pooler.pool.Pool;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.prepared.StatementRewriter;
import io.pooler.server.listen.ExtendedListenBatch;
import io.pooler.sql.DiscardAllCommand;
import io.pooler.sql.SessionStateScanner;

import java.util.Map;

/**
 * What a pool client gets from the pooler itself, with no server: a lone DISCARD ALL between
 * transactions, a Parse of a statement some server already parsed, a Close, the Sync after only such
 * messages, and the answers of its multiplexed LISTEN and UNLISTEN ({@link MultiplexedListen}). Made at
 * the first of them: an idle client does not pay for it. {@link FrontendRelay} decides when a message may
 * be answered here, and stops reading the client while its socket is full after each answer.
 *
 * <p>Threads: the client channel's event loop.
 */
final class LocalAnswers {
    private final FrontendRelay relay;
    private final ClientConnection client;
    private final Channel channel;
    private final Pool pool;
    /** Named prepared statements, in transaction and statement pooling; null when not tracked. */
    private final StatementRewriter statementRewriter;
    /** Since the last Sync, only messages the pooler answered itself: the Sync is answered too. */
    private boolean sinceSync;

    LocalAnswers(FrontendRelay relay, ClientConnection client, Pool pool, StatementRewriter statementRewriter) {
        this.relay = relay;
        this.client = client;
        this.channel = client.channel();
        this.pool = pool;
        this.statementRewriter = statementRewriter;
    }

    /** Only messages answered here came since the last Sync. */
    boolean sinceSync() {
        return sinceSync;
    }

    /**
     * A lone DISCARD ALL ({@code frame}) from a client that holds no server, in transaction or statement
     * pooling with pin_on_session_state: between transactions, the pooler answers it, takes the frame and
     * returns true; otherwise it is left alone. {@code listen} is the client's multiplexed LISTEN, or null.
     *
     * <p>Why it may: such a client has no session state on any server. What it created the scan saw
     * and pinned ({@link SessionStateScanner}), and a pinned client keeps its server; so no server
     * holds anything of its own for DISCARD ALL to drop, and the server it would run on is just the
     * next idle one (as through PgBouncer). What the client can see of DISCARD ALL is the pooler's to
     * undo: its named statements (the rewriter's), its parameters (back to its startup values, with a
     * ParameterStatus for each that changes, before ReadyForQuery as PostgreSQL sends them) and its
     * multiplexed LISTENs. Not undone: PostgreSQL drops the unnamed statement at any simple Query, and
     * the one this client parsed stays on the server it ran on, owned by it (UnnamedStatementOwner),
     * as after any of its simple queries that ran on another server; a Bind of it without a Parse,
     * on that server, runs it where a direct connection would answer 26000. It is the client's own
     * statement, never another's. What it saves: psycopg2 sends DISCARD ALL each time its pool lends
     * a connection again (every Odoo request), a round trip to PostgreSQL and a wait for a server that
     * the next statement makes anyway. Not counted as a query in SHOW STATS, as no server ran it.
     */
    boolean answeredDiscardAll(ByteBuf frame, MultiplexedListen listen) {
        if (!relay.betweenTransactions() || relay.sessionPins() != 0) {
            return false;
        }
        frame.release();
        if (listen != null) {
            listen.unlistenAll();
        }
        if (statementRewriter != null) {
            statementRewriter.clientStatementsDiscarded();
        }
        answer(null, DiscardAllCommand.TAG, client.parameters().resetToStartup(pool.welcomeParameters()),
                BackendMessages.TX_IDLE, listen);
        return true;
    }

    /**
     * The answer to a statement the pooler ran itself (LISTEN, UNLISTEN, DISCARD ALL): CommandComplete,
     * a ParameterStatus for each parameter it changed (PostgreSQL reports them just before
     * ReadyForQuery), ReadyForQuery, then, when idle, any notifications {@code listen} (or null) held
     * meanwhile.
     */
    void answer(ExtendedListenBatch.Answers answers, String tag, Map<String, String> reported, byte transactionStatus,
                MultiplexedListen listen) {
        if (answers != null) {
            answers.write(channel);
        }
        channel.write(BackendMessages.commandComplete(channel.alloc(), tag));
        for (Map.Entry<String, String> parameter : reported.entrySet()) {
            channel.write(BackendMessages.parameterStatus(channel.alloc(), parameter.getKey(), parameter.getValue()));
        }
        channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), transactionStatus));
        if (transactionStatus == BackendMessages.TX_IDLE && listen != null) {
            listen.flushHeldNotifications();
        }
        relay.stopReadingWhileFull();
    }

    /**
     * Between transactions, a Parse of a statement some server already parsed, a Close of a
     * statement, and the Sync after only such messages need no server: the pooler answers them.
     * This saves a round trip, and a client that prepares synchronously while holding another
     * connection's server (pgbench -M prepared with several clients per thread) does not wait for
     * a server it can never get.
     */
    boolean answeredWithoutServer(ByteBuf frame, byte type) {
        if (statementRewriter == null) {
            return false;
        }
        if (type == MessageType.SYNC && sinceSync) {
            return answerSync(frame);
        }
        if (type == MessageType.FLUSH && sinceSync) {
            frame.release();
            channel.flush();
            return true;
        }
        byte answer;
        try {
            answer = statementRewriter.answerWithoutServer(frame);
        } catch (ProtocolException e) {
            frame.release(); // the rewriter validates before it consumes: still ours
            client.onProtocolError(e);
            return true;
        }
        if (answer == 0) {
            sinceSync = false;
            return false;
        }
        sinceSync = true;
        channel.write(channel.alloc().buffer(5).writeByte(answer).writeInt(4));
        relay.stopReadingWhileFull();
        return true;
    }

    /**
     * The Sync after only messages the pooler answered: its ReadyForQuery ends the query (and the
     * transaction, as it is idle) that the first of them started on the client's timer, as a
     * server's would; otherwise the timer would wait for one ReadyForQuery more forever.
     */
    private boolean answerSync(ByteBuf frame) {
        sinceSync = false;
        frame.release();
        channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), BackendMessages.TX_IDLE));
        client.startedQueryTimer().readyForQuery(BackendMessages.TX_IDLE, System.nanoTime());
        relay.stopReadingWhileFull();
        return true;
    }
}
