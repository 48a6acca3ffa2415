package io.pooler.protocol;

/**
 * A peer broke the wire protocol: a malformed or oversized message. The connection that sent it gets
 * an ErrorResponse with {@link #sqlState()} and is closed; nothing else is affected.
 */
public final class ProtocolException extends RuntimeException {
    private final String sqlState;

    public ProtocolException(String message) {
        this(SqlState.PROTOCOL_VIOLATION, message);
    }

    public ProtocolException(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
