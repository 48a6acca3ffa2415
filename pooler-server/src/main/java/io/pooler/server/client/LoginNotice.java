package io.pooler.server.client;

import io.netty.channel.Channel;
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

    /** Writes the notice, if one is set, without flushing: the ReadyForQuery that follows flushes it. */
    public static void write(Channel channel, Settings settings) {
        settings.loginNotifyMessage().ifPresent(message ->
                channel.write(ErrorResponse.of("NOTICE", "00000", message).encodeAsNotice(channel.alloc())));
    }
}
