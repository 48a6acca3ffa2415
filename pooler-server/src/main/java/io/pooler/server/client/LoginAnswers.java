package io.pooler.server.client;

import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;

/**
 * What a refused login is told: PgBouncer 1.25's texts, so scripts and log filters written for it
 * match, with PostgreSQL's SQLSTATEs (PgBouncer sends 08P01 for all of them), so drivers can tell a bad
 * password from a missing database. The README's "Differences from PgBouncer" table says why each
 * differs where it does.
 *
 * <p>NOTE: an unknown user is answered as a wrong password is, by auth_type: the text depends on the
 * exchange the client was asked for, which it knew already, never on whether the user exists.
 */
final class LoginAnswers {

    private LoginAnswers() {
    }

    /** A wrong cleartext or md5 password, or an unknown user asked for one (PgBouncer's text). */
    static ErrorResponse passwordFailed() {
        return ErrorResponse.fatal(SqlState.INVALID_PASSWORD, "password authentication failed");
    }

    /** A SCRAM exchange that failed: wrong password, unknown user, or a secret SCRAM cannot use. */
    static ErrorResponse saslFailed() {
        return ErrorResponse.fatal(SqlState.INVALID_PASSWORD, "SASL authentication failed");
    }

    /**
     * auth_type trust and a user the auth file does not list. There is no password to guess: under
     * trust, whether a name logs in is the answer anyway.
     */
    static ErrorResponse trustFailed() {
        return ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION, "\"trust\" authentication failed");
    }

    /** auth_type trust, and auth_query did not find the user (PgBouncer's answer; no password involved). */
    static ErrorResponse noSuchUser() {
        return ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION, "no such user");
    }

    /** An authenticated client asked for a database with no entry and no {@code *} fallback. */
    static ErrorResponse noSuchDatabase(String database) {
        return ErrorResponse.fatal(SqlState.INVALID_CATALOG_NAME, "no such database: " + database);
    }

    /** An authenticated client asked for a database DISABLE closed. */
    static ErrorResponse databaseDisabled(String database) {
        return ErrorResponse.fatal(SqlState.INVALID_CATALOG_NAME, "database \"" + database + "\" is disabled");
    }
}
