package io.pooler.admin;

import io.pooler.admin.wire.Response;
import io.pooler.protocol.SqlState;

/** The console's error answers, worded as PgBouncer words them. */
public final class AdminErrors {
    /** object_not_in_prerequisite_state: PAUSE while paused, RESUME while not. */
    public static final String WRONG_STATE = "55000";
    /** undefined_object: KILL_CLIENT of an unknown id. */
    public static final String UNDEFINED_OBJECT = "42704";
    /** invalid_parameter_value: a refused SET. */
    public static final String INVALID_PARAMETER = "22023";

    private AdminErrors() {
    }

    public static Response invalidCommand(String query) {
        return Response.error(SqlState.SYNTAX_ERROR, "invalid command '" + query + "', use SHOW HELP;");
    }

    public static Response badArguments() {
        return Response.error(SqlState.SYNTAX_ERROR, "bad arguments");
    }

    public static Response adminNeeded() {
        return Response.error(SqlState.INSUFFICIENT_PRIVILEGE, "admin access needed");
    }

    public static Response noSuchDatabase(String name) {
        return Response.error(SqlState.INVALID_CATALOG_NAME, "no such database: " + name);
    }

    public static Response wrongState(String message) {
        return Response.error(WRONG_STATE, message);
    }
}
