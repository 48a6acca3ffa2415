package io.pooler.server.backend;

import io.pooler.config.PoolMode;
import io.pooler.pool.PooledClient;
import io.pooler.pool.ServerState;
import io.pooler.protocol.BackendMessages;
import io.pooler.sql.SessionPin;

/**
 * "A transaction ended and the server goes back to the pool": PgBouncer's {@code release_server},
 * in one place, {@link #releaseServer}. Whoever gives a server back only says why (a {@link Request});
 * this decides whether the server stays linked, whether server_reset_query runs first, whether a
 * cancel request still on its way holds it back, whether it is closed instead. What happens once it
 * is back, the lifetime, close-needed (RECONNECT, reload) and PAUSE checks, is {@code Pool.releaseServer}'s.
 *
 * <p>Threads: a request from the client (a transaction ended, the client left) is decided on the
 * client's loop, the only place new requests come from, so none can slip in between; the reset and
 * the end of an internal query run on the server's loop. The cancel state is guarded by this object's
 * monitor, because a CancelRequest is routed from any loop.
 */
public final class ServerRelease {
    /** Why a server is being given back. */
    public enum Cause {
        /** A ReadyForQuery was relayed to the linked client (client's loop). */
        TRANSACTION_ENDED,
        /** The linked client's connection ended (client's loop). */
        CLIENT_LEFT,
        /** The reset or check query's ReadyForQuery came (server's loop). */
        INTERNAL_QUERY_DONE,
        /** An internal borrower (auth_query) is done with the server (server's loop). */
        LOOKUP_DONE
    }

    /** What the decision was, for the client to act on. */
    public enum Verdict {
        /** The server stays linked: requests are outstanding, or a transaction is open. */
        KEPT,
        /** Session pooling: the server stays linked, and the session is idle. */
        SESSION_IDLE,
        /** Transaction pooling, but the client left session state on the server: the link stays, idle. */
        PINNED,
        /** Statement pooling, and the statement left a transaction open: the client must go. */
        TRANSACTION_IN_STATEMENT_MODE,
        /** The server goes back to the pool (maybe after the reset query, or once a cancel is done). */
        RELEASED,
        /** The server is closed instead. */
        CLOSED
    }

    /**
     * Why, and what only the client side knows: its pool mode, whether it left nothing half-sent
     * (no Parse/Bind without Sync, no partial message, nothing queued), the session state it left
     * ({@link SessionPin} bits, pin_on_session_state), server_reset_query_always, and whether the client
     * did something to the session the scan cannot vouch for: cleared a role or session authorization
     * pin, which the server must not be trusted to have done, or sent a text too long to scan
     * ({@code SessionStateWatch.inDoubt}).
     */
    public record Request(Cause cause, PoolMode mode, boolean clientClean, int sessionPins, boolean resetAlways,
                          boolean stateInDoubt) {
        public static Request transactionEnded(PoolMode mode, boolean clientClean, int sessionPins, boolean resetAlways,
                                               boolean stateInDoubt) {
            return new Request(Cause.TRANSACTION_ENDED, mode, clientClean, sessionPins, resetAlways, stateInDoubt);
        }

        public static Request clientLeft(PoolMode mode, boolean clientClean, int sessionPins, boolean resetAlways,
                                         boolean stateInDoubt) {
            return new Request(Cause.CLIENT_LEFT, mode, clientClean, sessionPins, resetAlways, stateInDoubt);
        }

        static Request internalQueryDone() {
            return new Request(Cause.INTERNAL_QUERY_DONE, null, true, 0, false, false);
        }

        public static Request lookupDone(boolean clean) {
            return new Request(Cause.LOOKUP_DONE, null, clean, 0, false, false);
        }
    }

    private static final String STATEMENTS_IN_DOUBT = "the prepared statements it holds are in doubt"
            + " (a client's DEALLOCATE or PREPARE of a name, a Close its batch skipped, its Parse accepted"
            + " under a name of the pooler's, or a Parse written behind its DEALLOCATE ALL or DISCARD ALL)";

    private final ServerConnection server;
    private final String resetQuery;
    /** The release a cancel in flight holds back; made once, not at every transaction's end. */
    private final Runnable releaseToPool;
    /** Cancel requests on their way to this server; guarded by {@code this}. */
    private int cancelsInFlight;
    /** Set once the linked client gives this server back; guarded by {@code this}. */
    private boolean releasing;
    /** What to retry once the last cancel is done; guarded by {@code this}. */
    private Runnable afterCancels;

    ServerRelease(ServerConnection server, String resetQuery) {
        this.server = server;
        this.resetQuery = resetQuery;
        this.releaseToPool = () -> server.pool().releaseServer(server);
    }

    /** PgBouncer's {@code release_server}: the one decision. See the class comment for the threads. */
    public Verdict releaseServer(Request request) {
        switch (request.cause()) {
            case TRANSACTION_ENDED -> {
                if (!request.clientClean() || server.outstandingRequests() != 0) {
                    return Verdict.KEPT; // more answers are on their way
                }
                // NOTE: read after the count: the status is written before the ReadyForQuery is counted.
                byte status = server.transactionStatus();
                if (request.mode() == PoolMode.SESSION) {
                    return status == BackendMessages.TX_IDLE ? Verdict.SESSION_IDLE : Verdict.KEPT;
                }
                if (status != BackendMessages.TX_IDLE) {
                    return request.mode() == PoolMode.STATEMENT ? Verdict.TRANSACTION_IN_STATEMENT_MODE : Verdict.KEPT;
                }
                if (request.sessionPins() != 0) {
                    return Verdict.PINNED; // as in session mode, until the client clears its session state
                }
                if (server.statements().inDoubt() || server.statements().overBudget() || request.stateInDoubt()) {
                    return resetBeforeOthers();
                }
                if (request.resetAlways()) {
                    resetAndRelease(true);
                } else if (tryBeginRelease(releaseToPool)) {
                    server.pool().releaseServer(server);
                } // else the client lets go now, and the release follows the last cancel (tryBeginRelease)
                return Verdict.RELEASED;
            }
            case CLIENT_LEFT -> {
                if (!request.clientClean() || server.outstandingRequests() != 0
                        || server.transactionStatus() != BackendMessages.TX_IDLE) {
                    server.close("client disconnected while server was not ready");
                    return Verdict.CLOSED;
                }
                if (request.sessionPins() != 0) {
                    // The state it left must not reach the next client: reset it, or close the server when
                    // the reset query cannot clear it (LOAD, or no server_reset_query).
                    if (SessionPin.LOAD.isIn(request.sessionPins()) || resetQuery.isBlank()) {
                        server.close("client left session state the reset query cannot clear: "
                                + SessionPin.labels(request.sessionPins()));
                        return Verdict.CLOSED;
                    }
                    resetAndRelease(true);
                    return Verdict.RELEASED;
                }
                if (server.statements().inDoubt() || server.statements().overBudget() || request.stateInDoubt()) {
                    return resetBeforeOthers();
                }
                // A session-mode server, or any with server_reset_query_always, is reset for the next client.
                resetAndRelease(request.mode() == PoolMode.SESSION || request.resetAlways());
                return Verdict.RELEASED;
            }
            case INTERNAL_QUERY_DONE -> {
                if (server.state() != ServerState.TESTED) {
                    return Verdict.KEPT; // a SET for a linked client, not a reset or check
                }
                if (server.internalQueryFailed()) {
                    server.close("reset or check query failed");
                    return Verdict.CLOSED;
                }
                if (server.statements().inDoubt()) {
                    server.close(STATEMENTS_IN_DOUBT + " and server_reset_query did not drop them");
                    return Verdict.CLOSED;
                }
                if (server.statements().overBudget()) {
                    server.close("prepared statements past the budget of all servers' caches, and server_reset_query"
                            + " did not drop them");
                    return Verdict.CLOSED;
                }
                server.pool().releaseServer(server);
                return Verdict.RELEASED;
            }
            case LOOKUP_DONE -> {
                // A server that answered with an error is closed, as PgBouncer does.
                if (!request.clientClean()) {
                    server.close("auth_query failed or was abandoned");
                    return Verdict.CLOSED;
                }
                server.pool().releaseServer(server);
                return Verdict.RELEASED;
            }
            default -> throw new IllegalStateException("unknown cause " + request.cause());
        }
    }

    /**
     * A client ran SQL {@code DEALLOCATE name} on this server, or PostgreSQL refused the pooler's own Parse
     * because a client's SQL PREPARE took the name ({@code ServerStatements.markInDoubt}). The name may
     * have been one the pooler prepared another client's statement under: left as it is, the
     * next client of this server would get 26000 for its own statement, or run whatever the sender then
     * PREPAREd under that name. NOTE: the design, the smallest we found sound. The sender keeps the server
     * while it is pinned (the scan pins DEALLOCATE as it pins PREPARE) and lives with what it did to
     * itself; the pooler's cache of the server is not emptied meanwhile, since the statements it did not
     * deallocate are still there and preparing them again would fail (42P05) for clients that mix SQL
     * and protocol-level statements. Before anyone else gets the server, server_reset_query (DISCARD ALL
     * by default) runs, and its answer empties the cache ({@code BackendRelay}); a server whose reset
     * cannot (none, or one that leaves prepared statements) is closed instead. This is decided whatever
     * the pins say: it holds too with pin_on_session_state = 0, or when a failed DEALLOCATE ALL cleared the pin.
     *
     * <p>The same reset follows a RESET ROLE or RESET SESSION AUTHORIZATION (or SET ROLE NONE ...) that
     * cleared a pin: the scan cannot know that it ran, and a ROLLBACK undoes it; and a Query or Parse
     * text too long to scan, whose session state pinned nothing.
     *
     * <p>And the same reset empties a server whose cache kept a statement past the bytes all servers'
     * caches may keep ({@code ServerStatements.overBudget}): its DISCARD ALL drops them, on PostgreSQL too;
     * or one whose statements are in doubt for another cause ({@code ServerStatements.markInDoubt} lists
     * them: a skipped Close of a statement its cache let go, a client's Parse accepted under a pooler name,
     * a Parse written behind a client's DEALLOCATE ALL or DISCARD ALL).
     */
    private Verdict resetBeforeOthers() {
        if (resetQuery.isBlank()) {
            server.close("a client left its prepared statements in doubt (DEALLOCATE by name, a skipped Close, a"
                    + " Parse accepted under a name of the pooler's or written behind DEALLOCATE ALL), reset its role, sent a text too long to scan"
                    + " or prepared one past the budget of all servers' caches, and there is no server_reset_query");
            return Verdict.CLOSED;
        }
        resetAndRelease(true); // at once on this loop: the client may stay, and must not reach it mid-reset
        return Verdict.RELEASED;
    }

    /**
     * On the server's loop: wait for cancels in flight, then go back to the pool, after
     * server_reset_query when asked to (the pool holds it as TESTED until {@link Cause#INTERNAL_QUERY_DONE}).
     */
    private void resetAndRelease(boolean runResetQuery) {
        // NOTE: at once when on the server's loop, as the release without a reset is: deferred, it left the
        // server in its client's list meanwhile, so that client's next query, read before the task ran,
        // went to it, and the reset query sent after it swallowed its answer (the client hung).
        if (server.eventLoop().inEventLoop()) {
            resetAndReleaseNow(runResetQuery);
        } else {
            server.eventLoop().execute(() -> resetAndReleaseNow(runResetQuery));
        }
    }

    /** {@link #resetAndRelease}, on the server's loop already. */
    private void resetAndReleaseNow(boolean runResetQuery) {
        if (server.isClosed() || !tryBeginRelease(() -> resetAndRelease(runResetQuery))) {
            return;
        }
        // NOTE: reading may have been paused for the client (backpressure); the reset's answer must be read.
        server.channel().config().setAutoRead(true);
        if (!runResetQuery || resetQuery.isBlank()) {
            server.pool().releaseServer(server);
            return;
        }
        server.pool().serverNeedsReset(server);
        server.sendInternalQuery(resetQuery);
    }

    // ---- cancel requests in flight ----

    /** A new client was linked: it may cancel its own queries again. */
    synchronized void linked() {
        releasing = false;
    }

    /**
     * A CancelRequest from {@code client} is about to go to this server. Refused when the server is
     * no longer that client's, or is being given back: the cancel would hit somebody else's query.
     */
    synchronized boolean tryStartCancel(PooledClient client) {
        if (releasing || server.client() != client) {
            return false;
        }
        cancelsInFlight++;
        return true;
    }

    /**
     * A cancel request to this server is done (its connection closed); on the server's loop. The
     * server may have closed meanwhile: the release retried here then finds the pool has dropped it.
     */
    void cancelFinished() {
        Runnable retry;
        synchronized (this) {
            cancelsInFlight--;
            if (cancelsInFlight > 0) {
                return;
            }
            server.pool().cancelsDone(server); // sv_being_canceled no longer counts it
            if (afterCancels == null) {
                return;
            }
            retry = afterCancels;
            afterCancels = null;
        }
        retry.run();
    }

    /**
     * True if the server may go back now; false while a cancel request to it is in flight, in which
     * case {@code retry} runs when the last one is done.
     * NOTE: a server being cancelled is handed to nobody until the cancel's connection has closed, its
     * own client neither (it lets go now): a query sent meanwhile could be the one the cancel stops.
     */
    private synchronized boolean tryBeginRelease(Runnable retry) {
        if (cancelsInFlight > 0) {
            afterCancels = retry;
            server.pool().serverBeingCanceled(server); // sv_being_canceled until the last cancel is done
            return false;
        }
        releasing = true;
        return true;
    }
}
