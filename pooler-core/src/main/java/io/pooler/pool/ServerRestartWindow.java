package io.pooler.pool;

import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Whether PostgreSQL is in the middle of a restart, as far as one pool can tell, so that a failed server
 * login is retried while its clients wait instead of being remembered and replayed to them (issue 12,
 * bug 3).
 *
 * <p>PostgreSQL announces a restart: its backends end with FATAL 57P01 (admin shutdown) or 57P02 (crash
 * shutdown), and logins meanwhile get 57P03 ("the database system is shutting down", "is starting up").
 * Those failures are transient by definition. Between the postmaster's exit and its next start, a
 * connection is refused outright; within server_login_retry of an announcement such a refusal is taken
 * as part of the same restart too. Outside that window a refusal is PgBouncer's cached login failure.
 *
 * <p>PgBouncer keeps its waiting clients on 57P03 (kill_pool_logins_server_error) but still caches the
 * failure for new ones; here nothing transient is cached. Waiting clients stay bounded by
 * query_wait_timeout, logging-in ones by client_login_timeout.
 *
 * <p>Threads: written and read from any loop of the pool; two volatile longs, last writer wins.
 */
final class ServerRestartWindow {
    /** Delay before a login that met a transient failure is tried again. */
    static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** When PostgreSQL last announced a shutdown or startup; 0 when never. */
    private volatile long announcedNanos;
    /** When a login last failed transiently; 0 when never. */
    private volatile long failedNanos;

    /** True for the SQLSTATEs by which PostgreSQL says it is going down or not up yet. */
    static boolean announcesRestart(ErrorResponse error) {
        String code = error.sqlState();
        return SqlState.ADMIN_SHUTDOWN.equals(code) || SqlState.CRASH_SHUTDOWN.equals(code)
                || SqlState.CANNOT_CONNECT_NOW.equals(code);
    }

    /** A server (logged in or logging in) was told {@code error}; an announcement opens the window. */
    void serverError(ErrorResponse error, long now) {
        if (announcesRestart(error)) {
            announcedNanos = nonZero(now);
        }
    }

    /**
     * A login failed with {@code error}: true (and the retry delayed by {@link #RETRY_NANOS}) when the
     * failure is part of a restart, so it must be neither cached nor replayed.
     */
    boolean loginFailedTransiently(ErrorResponse error, long now, Duration serverLoginRetry) {
        serverError(error, now);
        boolean transientFailure = announcesRestart(error)
                || SqlState.CONNECTION_FAILURE.equals(error.sqlState()) && withinWindow(now, serverLoginRetry);
        if (transientFailure) {
            failedNanos = nonZero(now);
        }
        return transientFailure;
    }

    /** True while a launch should wait for the retry delay after a transient failure. */
    boolean retryPending(long now) {
        long failed = failedNanos;
        return failed != 0 && now - failed < RETRY_NANOS;
    }

    private boolean withinWindow(long now, Duration serverLoginRetry) {
        long announced = announcedNanos;
        return announced != 0 && now - announced < serverLoginRetry.toNanos();
    }

    private static long nonZero(long now) {
        return now == 0 ? 1 : now;
    }
}
