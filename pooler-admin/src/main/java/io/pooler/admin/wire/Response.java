package io.pooler.admin.wire;

import io.pooler.protocol.ErrorResponse;

/**
 * What one admin command answers: optionally a notice, then a result set and a command tag, or an
 * error. The session goes on after either, so a ReadyForQuery always follows; {@link #NONE} answers
 * nothing (SHUTDOWN closes the connection instead).
 *
 * @param notice  a NOTICE sent first, or null
 * @param rows    a result set, or null
 * @param tag     the CommandComplete tag, or null with an error
 * @param error   the error, or null
 */
public record Response(ErrorResponse notice, ResultSet rows, String tag, ErrorResponse error) {

    /** No answer at all. */
    public static final Response NONE = new Response(null, null, null, null);

    public static Response rows(ResultSet rows) {
        return new Response(null, rows, "SHOW", null);
    }

    public static Response done(String tag) {
        return new Response(null, null, tag, null);
    }

    public static Response noticeThenDone(ErrorResponse notice, String tag) {
        return new Response(notice, null, tag, null);
    }

    public static Response error(String sqlState, String message) {
        return new Response(null, null, null, ErrorResponse.error(sqlState, message));
    }

    public boolean isNone() {
        return this == NONE;
    }
}
