package io.pooler.server.backend;

/**
 * Which client made the unnamed prepared statement a server holds (see
 * {@link io.pooler.protocol.UnnamedStatement}), as far as the pooler can tell from what it forwarded and
 * what came back.
 *
 * <p>A Parse of the unnamed statement, or a simple Query (which drops it), is believed at once: the
 * client's Bind in the same extended batch runs on it. But PostgreSQL may not carry it out: a message
 * before it in its batch failed (the server then skips everything up to the Sync), or the Parse failed
 * before the old statement was dropped (an invalid byte sequence in its text). The statement the server
 * holds is then still the one it held before, perhaps another client's. So the belief stays unconfirmed
 * until the ReadyForQuery that ends its batch: an error before that makes the owner {@link #UNKNOWN},
 * and a Bind in a later batch while the belief is still unconfirmed is not taken as the client's own.
 * Both err on the safe side: the unnamed statement is dropped, or the client refused, where PostgreSQL
 * might have run the client's own statement.
 *
 * <p>Counts are the server's {@link OutstandingRequests}: the requests (Query, Sync, FunctionCall)
 * sent and answered on the current link. Threads: the server's event loop, which is its client's.
 */
final class UnnamedStatementOwner {
    /** No client can be sure the statement is its own. */
    static final long UNKNOWN = -1;

    /** The client id; 0 for no unnamed statement, {@link #UNKNOWN} when it may be anybody's. */
    private long owner;
    /** The Parse or Query that set {@link #owner} has not been answered to the end of its batch. */
    private boolean unconfirmed;
    /** The count of answered requests at which its batch is over. */
    private long confirmedAtAnswered;
    /** An error came back while it was unconfirmed. */
    private boolean errorWhileUnconfirmed;

    /** A Parse of the unnamed statement by {@code clientId} is forwarded; {@code sent} requests so far. */
    void parsed(long clientId, long sent) {
        believe(clientId, sent);
    }

    /** A simple Query of the linked client is forwarded: PostgreSQL drops the unnamed statement as it starts. */
    void queried(long sent) {
        believe(0, sent);
    }

    /** The pooler's own simple Query, sent with nothing outstanding and no batch open: certain. */
    void droppedByInternalQuery() {
        owner = 0;
        unconfirmed = false;
        errorWhileUnconfirmed = false;
    }

    /**
     * Whether the statement is {@code clientId}'s own for a Bind or Describe forwarded now, after {@code sent}
     * requests: not when it is another client's or unknown, nor when the Parse or Query that made it the
     * client's (or none) is in an earlier batch whose end has not come back yet (that batch may still fail
     * and leave the old one).
     */
    boolean isOwnedBy(long clientId, long sent) {
        if (unconfirmed && sent >= confirmedAtAnswered) {
            return false; // a Parse or Query in an earlier batch, not answered yet: it may not have been carried out
        }
        return owner == 0 || owner == clientId; // none: PostgreSQL answers 26000, as on a fresh connection
    }

    /** The server sent an ErrorResponse. */
    void errorReceived() {
        if (unconfirmed) {
            errorWhileUnconfirmed = true;
        }
    }

    /** A ReadyForQuery was relayed: {@code answered} requests answered on this link. */
    void readyForQuery(long answered) {
        if (unconfirmed && answered >= confirmedAtAnswered) {
            if (errorWhileUnconfirmed) {
                owner = UNKNOWN;
            }
            unconfirmed = false;
            errorWhileUnconfirmed = false;
        }
    }

    /** A new link; the request counts start afresh. What was never confirmed is unknown. */
    void newLink() {
        if (unconfirmed) {
            owner = UNKNOWN;
            unconfirmed = false;
            errorWhileUnconfirmed = false;
        }
    }

    /** Its batch ends with the next request the client sends (the Query itself, or the batch's Sync). */
    private void believe(long clientId, long sent) {
        boolean sameBatch = unconfirmed && confirmedAtAnswered == sent + 1;
        if (!sameBatch) {
            errorWhileUnconfirmed = false; // an error already seen in this batch means it is skipping
        }
        owner = clientId;
        unconfirmed = true;
        confirmedAtAnswered = sent + 1;
    }
}
