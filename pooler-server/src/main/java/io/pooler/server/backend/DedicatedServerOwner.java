package io.pooler.server.backend;

import io.pooler.protocol.ErrorResponse;

import java.util.Map;

/**
 * The one client a server connection was opened for, when it is not a pool's server to share: a
 * replication client's (PgBouncer 1.23+). The owner adds to the StartupMessage, and hears of the login's
 * end instead of the pool, so a refused replication login (no REPLICATION role, no replication line in
 * pg_hba.conf) fails only its own client and is not replayed to the pool's other clients.
 *
 * <p>Threads: called on the server's event loop, which is the owner's client's loop.
 */
public interface DedicatedServerOwner {

    /** The StartupMessage's parameters: the pool's ({@code poolParameters}) and the owner's. */
    Map<String, String> startupParameters(Map<String, String> poolParameters);

    /** The server logged in (its first ReadyForQuery); its parameters are in {@link ServerConnection#parameters()}. */
    void serverLoggedIn(ServerConnection server);

    /** The login failed with {@code error}; the connection is closing. */
    void serverLoginFailed(ServerConnection server, ErrorResponse error);

    /** SHOW SERVERS' replication column. */
    String replicationLabel();
}
