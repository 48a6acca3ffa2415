package io.pooler.server.backend;

import io.netty.buffer.ByteBuf;

/**
 * Something inside the pooler that borrows a server connection from a pool the way a client does
 * (the auth_query lookup), but reads the server's replies itself instead of having them relayed.
 * Both methods run on the server connection's event loop.
 */
public interface InternalServerUser {
    /** One message from the server; the callee releases it. ParameterStatus messages are not passed on. */
    void serverMessage(ServerConnection server, ByteBuf frame);

    /** The server connection closed while lent out. */
    void serverClosed(ServerConnection server);
}
