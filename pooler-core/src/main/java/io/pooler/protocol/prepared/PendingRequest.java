package io.pooler.protocol.prepared;

/**
 * A request sent (or answered by the pooler itself) whose response the server side is waiting
 * for, in order. Kinds other than the statement-bearing ones are shared constants.
 */
public record PendingRequest(Kind kind, PreparedStatement statement) {

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
        /** Sync, Query or FunctionCall: ends with ReadyForQuery. */
        SYNC
    }

    public static final PendingRequest BIND = new PendingRequest(Kind.BIND, null);
    public static final PendingRequest DESCRIBE = new PendingRequest(Kind.DESCRIBE, null);
    public static final PendingRequest EXECUTE = new PendingRequest(Kind.EXECUTE, null);
    public static final PendingRequest CLOSE = new PendingRequest(Kind.CLOSE, null);
    public static final PendingRequest ANSWERED_CLOSE = new PendingRequest(Kind.ANSWERED_CLOSE, null);
    public static final PendingRequest SYNC = new PendingRequest(Kind.SYNC, null);

    /** Answered by the pooler, not the server. */
    public boolean answeredByPooler() {
        return kind == Kind.ANSWERED_PARSE || kind == Kind.ANSWERED_CLOSE;
    }
}
