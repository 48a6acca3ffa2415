package io.pooler.server.admin;

import io.pooler.admin.SocketState;
import io.pooler.admin.SocketView;
import io.pooler.pool.ClientState;
import io.pooler.pool.PoolKey;
import io.pooler.pool.PooledClient;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.client.ClientConnection;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;

/**
 * Builds SHOW CLIENTS / SHOW SERVERS rows from connections of any event loop, reading only what is
 * immutable after login or volatile.
 */
final class SocketViews {
    private static final int POINTER_DIGITS = 12;

    private SocketViews() {
    }

    /** Whether SHOW CLIENTS lists the client: every one not yet closed. */
    static boolean listed(ClientConnection c) {
        return c.state() != ClientState.CLOSED;
    }

    /** A client's row; only for a {@link #listed} one. */
    static SocketView client(ClientConnection c) {
        SocketState state = switch (c.state()) {
            case LOGIN -> SocketState.CL_LOGIN;
            case ACTIVE -> SocketState.CL_ACTIVE;
            case WAITING -> SocketState.CL_WAITING;
            case CLOSED -> throw new IllegalStateException(c + " is closed");
        };
        ServerConnection server = c.server() instanceof ServerConnection s ? s : null;
        long now = System.nanoTime();
        long waitMicros = c.queryTimer() == null ? 0 : c.queryTimer().runningNanos(now) / 1000;
        SocketAddress remote = c.channel().remoteAddress();
        SocketAddress local = c.channel().localAddress();
        return new SocketView(false, c.loginUser(), c.databaseName(), state, server != null,
                host(remote), port(remote), host(local), port(local), c.connectedAtMillis(), c.lastRequestMillis(),
                waitMicros, false, clientPtr(c.id()), server == null ? "" : serverPtr(server.id()), 0,
                c.applicationName(), c.id(), ServerAdminBackend.pendingBytes(c.channel()), c.preparedStatementCount(),
                c.pinnedReason(), c.replicationLabel());
    }

    /**
     * The row of a CancelRequest's own connection, held open until its cancel is done, as PgBouncer lists
     * it: the user and database of the pool whose server it cancels, no link (the connection that carries
     * the request to PostgreSQL is not a pooled server).
     */
    static SocketView cancelRequest(ClientConnection c, boolean sent, PoolKey pool) {
        SocketAddress remote = c.channel().remoteAddress();
        SocketAddress local = c.channel().localAddress();
        return new SocketView(false, pool.user(), pool.database(),
                sent ? SocketState.CL_ACTIVE_CANCEL_REQ : SocketState.CL_WAITING_CANCEL_REQ, false,
                host(remote), port(remote), host(local), port(local), c.connectedAtMillis(), c.connectedAtMillis(),
                0, false, clientPtr(c.id()), "", 0, "", c.id(), ServerAdminBackend.pendingBytes(c.channel()), 0, "",
                "none");
    }

    static SocketView console(ConsoleSession c) {
        SocketAddress remote = c.channel().remoteAddress();
        SocketAddress local = c.channel().localAddress();
        return new SocketView(false, c.user(), ConsoleSession.DATABASE, SocketState.CL_ACTIVE, false,
                host(remote), port(remote), host(local), port(local), c.connectedAtMillis(), c.lastRequestMillis(),
                0, false, clientPtr(c.id()), "", 0, c.applicationName(), c.id(),
                ServerAdminBackend.pendingBytes(c.channel()), 0, "", "none");
    }

    static Optional<SocketView> server(ServerConnection s) {
        SocketState state = switch (s.state()) {
            case LOGIN -> SocketState.SV_LOGIN;
            case IDLE -> SocketState.SV_IDLE;
            case ACTIVE -> SocketState.SV_ACTIVE;
            case USED -> SocketState.SV_USED;
            case TESTED -> SocketState.SV_TESTED;
            case BEING_CANCELED -> SocketState.SV_BEING_CANCELED;
            case CLOSED -> null;
        };
        if (state == null) {
            return Optional.empty();
        }
        PooledClient linked = s.client();
        ClientConnection client = linked instanceof ClientConnection c ? c : null;
        var channel = s.channel();
        SocketAddress remote = channel == null ? null : channel.remoteAddress();
        SocketAddress local = channel == null ? null : channel.localAddress();
        return Optional.of(new SocketView(true, s.pool().key().user(), s.pool().key().database(), state,
                client != null, host(remote == null ? s.target().address() : remote),
                port(remote == null ? s.target().address() : remote),
                host(local), port(local), s.connectedAtMillis(), s.lastUsedMillis(), 0, s.closeNeeded(),
                serverPtr(s.id()), client == null ? "" : clientPtr(client.id()), s.backendProcessId(),
                client == null ? "" : client.applicationName(), s.id(),
                channel == null ? 0 : ServerAdminBackend.pendingBytes(channel), s.statements().size(),
                client == null ? "" : client.pinnedReason(), s.replicationLabel()));
    }

    /** PgBouncer prints the address of its socket object; a fixed-width hex of kind and id serves the same. */
    static String clientPtr(long id) {
        return pointer((1L << 40) | id);
    }

    static String serverPtr(long id) {
        return pointer((2L << 40) | id);
    }

    /**
     * {@code String.format("0x%012x", value)} without the Formatter: SHOW CLIENTS builds every client's
     * row on the client's loop, and parsing the format (with a regex) for each of thousands of clients
     * was some 30 % of the time that held the loop (10-12 ms against 6-8 for 4,800 clients).
     */
    static String pointer(long value) {
        String hex = Long.toHexString(value);
        if (hex.length() >= POINTER_DIGITS) {
            return "0x" + hex;
        }
        return "0x" + "0".repeat(POINTER_DIGITS - hex.length()) + hex;
    }

    static String host(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
        }
        return address == null ? null : "unix";
    }

    static int port(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getPort() : 0;
    }
}
