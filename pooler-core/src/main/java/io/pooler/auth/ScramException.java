package io.pooler.auth;

/** A SCRAM exchange that cannot go on; {@link #kind()} says whose fault it is. */
public final class ScramException extends Exception {

    public enum Kind {
        /** The peer broke the message syntax or the protocol (PostgreSQL: protocol_violation). */
        MALFORMED,
        /** The proof or the server signature is wrong: the usual "password authentication failed". */
        AUTH_FAILED,
        /** The peer asks for something we do not do: channel binding, authzid, extensions, too many iterations. */
        UNSUPPORTED
    }

    private final Kind kind;

    public ScramException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ScramException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
