package io.pooler.protocol.prepared;

import java.util.Map;

/**
 * A request sent (or answered by the pooler itself) whose response the server side is waiting
 * for, in order. Kinds other than the statement-bearing ones are shared constants, but for a Query or
 * Execute that drops every statement ({@link #discarding}), which carries the client's names, and for a
 * Bind or Describe the pooler renamed, which carries the statement and the client's name for it.
 *
 * <p>{@code client} is set on the requests that changed the client's names as they went out (its Parse
 * or Close of a named statement): if PostgreSQL skips one behind an error, or refuses the Parse, the
 * change is taken back ({@link StatementRewriter#undoSkipped}), as a direct connection never made it.
 * {@code clientName} is then the name as the client's names are keyed; for {@link Kind#DUPLICATE_PARSE}
 * the name as the client wrote it, for the error message; for a renamed Bind or Describe the name's bytes,
 * one char per byte (the key, or the whole name where it is longer), decoded only for an error message.
 * {@code namesBefore} is set only on a request that drops every prepared statement ({@link #discarding}).
 */
public record PendingRequest(Kind kind, PreparedStatement statement, String clientName, StatementRewriter client,
                             Map<String, PreparedStatement> namesBefore) {

    public PendingRequest(Kind kind, PreparedStatement statement) {
        this(kind, statement, null, null, null);
    }

    public PendingRequest(Kind kind, PreparedStatement statement, String clientName) {
        this(kind, statement, clientName, null, null);
    }

    public PendingRequest(Kind kind, PreparedStatement statement, String clientName, StatementRewriter client) {
        this(kind, statement, clientName, client, null);
    }

    public enum Kind {
        /** Client's Parse, relayed: ParseComplete. */
        PARSE,
        /** The pooler's own Parse before a Bind or Describe: its ParseComplete is swallowed. */
        INJECTED_PARSE,
        /** Client's Parse of a statement the server already has: the pooler answers ParseComplete. */
        ANSWERED_PARSE,
        BIND,
        /** Describe: ends with RowDescription or NoData. */
        DESCRIBE,
        /** Execute: ends with CommandComplete, EmptyQueryResponse or PortalSuspended. */
        EXECUTE,
        /** Client's Close of a portal, relayed: CloseComplete. */
        CLOSE,
        /** The pooler's Close of an evicted statement: its CloseComplete is swallowed. */
        INJECTED_CLOSE,
        /** Client's Close of a statement: the pooler answers CloseComplete (the server keeps it). */
        ANSWERED_CLOSE,
        /**
         * A client's Parse under a name it already holds, sent to the server under the name the server
         * knows that statement by, so PostgreSQL refuses it (42P05) and fails the batch as it would have
         * failed the client's own: its ErrorResponse names the client's statement ({@code clientName}).
         */
        DUPLICATE_PARSE,
        /**
         * A client's Parse of a statement the server already has, where PostgreSQL may refuse the client's
         * own because its transaction block failed: the server's last ReadyForQuery said so, or a batch
         * written ahead of it is not answered yet. Sent to the server under {@code StatementRewriter}'s probe
         * name and closed at once ({@link #PROBE_CLOSE}), so that PostgreSQL answers as it would the
         * client's own: ParseComplete, or 25P02 and the rest of the batch skipped, where the pooler's
         * ParseComplete would have let the batch run on to its Bind. Refused, the client's name is taken
         * back at the ReadyForQuery, as for any Parse ({@code client} is set).
         */
        PROBED_PARSE,
        /** The Close of the probe name behind a {@link #PROBED_PARSE}: its CloseComplete is swallowed. */
        PROBE_CLOSE,
        /** Sync: ends with ReadyForQuery, also after an error earlier in its batch. */
        SYNC,
        /**
         * Query or FunctionCall: ends with ReadyForQuery, unless written inside an extended-protocol batch
         * (before its Sync) behind an error: PostgreSQL then skips it, with no answer at all.
         */
        QUERY
    }

    /** A Parse of the unnamed statement, or any Parse while the pooler renames none. */
    public static final PendingRequest PARSE = new PendingRequest(Kind.PARSE, null);
    public static final PendingRequest BIND = new PendingRequest(Kind.BIND, null);
    public static final PendingRequest DESCRIBE = new PendingRequest(Kind.DESCRIBE, null);
    public static final PendingRequest EXECUTE = new PendingRequest(Kind.EXECUTE, null);
    public static final PendingRequest CLOSE = new PendingRequest(Kind.CLOSE, null);
    public static final PendingRequest ANSWERED_CLOSE = new PendingRequest(Kind.ANSWERED_CLOSE, null);
    public static final PendingRequest PROBE_CLOSE = new PendingRequest(Kind.PROBE_CLOSE, null);
    public static final PendingRequest SYNC = new PendingRequest(Kind.SYNC, null);
    public static final PendingRequest QUERY = new PendingRequest(Kind.QUERY, null);
    /**
     * A Query ({@link Kind#QUERY}) or an Execute ({@link Kind#EXECUTE}) that drops every prepared statement
     * (a lone DEALLOCATE ALL or DISCARD ALL): the pooler emptied {@code client}'s names as it went out
     * (StatementRewriter.discardAhead), and its tracker checks that it ran. {@code namesBefore} are the names
     * the client had then, given back if PostgreSQL refuses or skips it ({@link StatementRewriter#undoSkipped});
     * the map itself, which the rewriter no longer writes once it has let it go.
     */
    public static PendingRequest discarding(Kind kind, StatementRewriter client,
                                            Map<String, PreparedStatement> namesBefore) {
        return new PendingRequest(kind, null, null, client, namesBefore);
    }

    /** Made by {@link #discarding}. */
    public boolean discardsStatements() {
        return namesBefore != null;
    }

    /** Sync or Query: the end of a batch, answered by a ReadyForQuery (unless skipped inside a failed batch). */
    boolean endsBatch() {
        return kind == Kind.SYNC || kind == Kind.QUERY;
    }

    /** Answered by the pooler, not the server. */
    public boolean answeredByPooler() {
        return kind == Kind.ANSWERED_PARSE || kind == Kind.ANSWERED_CLOSE;
    }
}
