package io.pooler.server.client;

import io.pooler.config.Settings;
import io.pooler.protocol.ErrorResponse;

/**
 * login_notify_message (PgBouncer's master, after 1.25.2): a NOTICE in the welcome, between
 * BackendKeyData and ReadyForQuery, with PgBouncer's fields (severity NOTICE, SQLSTATE 00000), so a
 * client can tell it reached a pooler rather than PostgreSQL itself.
 */
public final class LoginNotice {
    private LoginNotice() {
    }

    /** The notice for the welcome, or null when none is set. */
    public static ErrorResponse of(Settings settings) {
        return settings.loginNotifyMessage().map(message -> ErrorResponse.of("NOTICE", "00000", message)).orElse(null);
    }
}
