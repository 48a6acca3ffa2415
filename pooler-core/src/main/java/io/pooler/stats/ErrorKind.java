package io.pooler.stats;

import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;

import java.util.Locale;

/** What went wrong, for the errors counter: one label value per kind, chosen from the error the pooler sent. */
public enum ErrorKind {
    /** A wrong password or an unknown user. */
    AUTH,
    /** max_client_conn or another connection limit. */
    CONNECTION_LIMIT,
    /** A client broke the protocol or took too long to log in. */
    PROTOCOL,
    /** The client asked for a database that is not configured, or is disabled. */
    UNKNOWN_DATABASE,
    /** The client waited longer than query_wait_timeout for a server. */
    QUERY_WAIT_TIMEOUT,
    /** The pooler could not log in to PostgreSQL, or lost a server connection. */
    SERVER_CONNECTION,
    /** Something the pooler does not support. */
    UNSUPPORTED,
    /** Shutdown, KILL and other administrator actions. */
    ADMIN,
    OTHER;

    /** The label value: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Classifies an error the pooler itself sent to a client. */
    public static ErrorKind of(ErrorResponse error) {
        String state = error.sqlState();
        if (state.startsWith("28")) {
            return AUTH;
        }
        return switch (state) {
            case SqlState.TOO_MANY_CONNECTIONS -> CONNECTION_LIMIT;
            case SqlState.PROTOCOL_VIOLATION -> PROTOCOL;
            case SqlState.INVALID_CATALOG_NAME -> UNKNOWN_DATABASE;
            case SqlState.CONNECTION_FAILURE, SqlState.CONNECTION_EXCEPTION ->
                    error.message().contains("query_wait_timeout") ? QUERY_WAIT_TIMEOUT : SERVER_CONNECTION;
            case SqlState.FEATURE_NOT_SUPPORTED -> UNSUPPORTED;
            case SqlState.ADMIN_SHUTDOWN -> ADMIN;
            default -> OTHER;
        };
    }
}
