package io.pooler.server.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.pooler.config.Settings;
import io.pooler.protocol.ErrorResponse;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * The admin console as a client connection sees it: a connection to the virtual database
 * {@value #DATABASE} authenticates as any other, then hands its messages to one of these (implemented
 * by the admin code, which the client side does not know).
 *
 * <p>Threads: the client channel's event loop.
 */
public interface Console {
    /** The console's database and, over the unix socket, the user that needs no password. */
    String DATABASE = "pgbouncer";

    /** Makes the console session of a client connection that asked for {@value #DATABASE}. */
    interface Opener {
        /** @param refuse sends a fatal error and closes the connection (the client connection's one way out) */
        Console open(Channel channel, String user, long clientId, Consumer<ErrorResponse> refuse);
    }

    /** The client's startup application_name, for SHOW CLIENTS; set once, before login completes. */
    void applicationName(String applicationName);

    /** Whether the peer may log in without a password (over the unix socket, as the pooler's own OS user). */
    boolean trustedPeer();

    /** After authentication: who may use the console. Empty when the user is in, else the refusal. */
    Optional<ErrorResponse> admit(Settings settings, boolean trustedPeer);

    /** The console's ParameterStatus, BackendKeyData and ReadyForQuery. */
    void sendWelcome();

    /** One frame from the client; the console owns it from here on. */
    void onMessage(ByteBuf frame);

    /** The client's socket drained below its low-water mark: answers, and reading, may go on. */
    void writable();

    /** The connection closed. */
    void closed();
}
