package io.pooler.auth.hba;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * One connection as the HBA rules see it.
 *
 * @param address     the client's IP address; empty for a Unix-socket client
 * @param tls         the connection is TLS-encrypted (only {@code hostssl} lines match then, never {@code hostnossl})
 * @param replication the client asked for a replication connection ({@code replication} in the database column)
 * @param database    the database name the client asked for
 * @param user        the user name the client asked for
 */
public record HbaRequest(Optional<InetAddress> address, boolean tls, boolean replication, String database, String user) {

    public HbaRequest {
        Objects.requireNonNull(address);
        Objects.requireNonNull(database);
        Objects.requireNonNull(user);
    }

    /** A TCP client. */
    public static HbaRequest host(InetAddress address, boolean tls, String database, String user) {
        return new HbaRequest(Optional.of(address), tls, false, database, user);
    }

    /** A Unix-socket client. */
    public static HbaRequest local(String database, String user) {
        return new HbaRequest(Optional.empty(), false, false, database, user);
    }

    public boolean isLocal() {
        return address.isEmpty();
    }
}
