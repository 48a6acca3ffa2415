package io.pooler.admin;

/**
 * One connection as SHOW CLIENTS, SHOW SERVERS and SHOW SOCKETS print it.
 *
 * @param server            a server connection (type S) rather than a client (type C)
 * @param user              the login user of a client; the user a server logged in as
 * @param linked            linked to a connection of the other kind
 * @param connectTimeMillis epoch milliseconds
 * @param requestTimeMillis epoch milliseconds of the latest request
 * @param waitMicros        how long its running query has been going (clients), 0 otherwise
 * @param ptr               a unique name of this connection (PgBouncer prints an address)
 * @param link              the {@code ptr} of the linked connection, or empty
 * @param remotePid         the PostgreSQL backend pid (servers), or the peer's pid over a unix socket, or 0
 * @param pendingBytes      bytes waiting to be written to the socket (SHOW ACTIVE_SOCKETS lists those with some)
 * @param preparedStatements the named statements a client holds, or a server has prepared (max_prepared_statements)
 * @param pinned            Pooler's own: the session state that keeps a client on its server in transaction
 *                          pooling ("temp table", …), for a server its client's; empty when none
 * @param replication       PgBouncer's replication column: {@code none}, {@code logical} or {@code physical}
 */
public record SocketView(
        boolean server,
        String user,
        String database,
        SocketState state,
        boolean linked,
        String addr,
        int port,
        String localAddr,
        int localPort,
        long connectTimeMillis,
        long requestTimeMillis,
        long waitMicros,
        boolean closeNeeded,
        String ptr,
        String link,
        int remotePid,
        String applicationName,
        long id,
        long pendingBytes,
        int preparedStatements,
        String pinned,
        String replication) {
}
