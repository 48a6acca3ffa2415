package io.pooler.pool;

import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerRestartWindowTest {
    private static final long SECOND = 1_000_000_000L;
    private static final Duration RETRY = Duration.ofSeconds(15);
    private static final ErrorResponse REFUSED = ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "refused");

    @Test
    void shuttingDownAndStartingUpAreTransientAndDelayTheRetryOnly() {
        ServerRestartWindow window = new ServerRestartWindow();
        assertTrue(window.loginFailedTransiently(
                ErrorResponse.fatal(SqlState.CANNOT_CONNECT_NOW, "the database system is starting up"), SECOND, RETRY));
        assertTrue(window.retryPending(SECOND + ServerRestartWindow.RETRY_NANOS - 1));
        assertFalse(window.retryPending(SECOND + ServerRestartWindow.RETRY_NANOS));
    }

    @Test
    void aRefusalIsPgBouncersCachedFailureUnlessARestartWasAnnounced() {
        ServerRestartWindow window = new ServerRestartWindow();
        assertFalse(window.loginFailedTransiently(REFUSED, SECOND, RETRY));

        window.serverError(ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN, "terminating connection"), 2 * SECOND);
        assertTrue(window.loginFailedTransiently(REFUSED, 3 * SECOND, RETRY), "within the restart window");
        assertFalse(window.loginFailedTransiently(REFUSED, 2 * SECOND + RETRY.toNanos(), RETRY), "after it");
    }

    @Test
    void otherLoginErrorsAreNeverTransient() {
        ServerRestartWindow window = new ServerRestartWindow();
        window.serverError(ErrorResponse.fatal(SqlState.CRASH_SHUTDOWN, "crash"), SECOND);
        assertFalse(window.loginFailedTransiently(
                ErrorResponse.fatal(SqlState.INVALID_CATALOG_NAME, "database \"x\" does not exist"), 2 * SECOND, RETRY));
        assertFalse(window.retryPending(2 * SECOND));
    }
}
