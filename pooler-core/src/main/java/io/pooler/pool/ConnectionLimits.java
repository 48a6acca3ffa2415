package io.pooler.pool;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The counters that span pools: server and client connections per database (across users) and per
 * user (across databases).
 */
public final class ConnectionLimits {
    private final ConcurrentHashMap<String, ConnectionCounter> serversPerDatabase = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConnectionCounter> serversPerUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConnectionCounter> clientsPerDatabase = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConnectionCounter> clientsPerUser = new ConcurrentHashMap<>();

    public ConnectionCounter serversOfDatabase(String database) {
        return serversPerDatabase.computeIfAbsent(database, k -> new ConnectionCounter());
    }

    public ConnectionCounter serversOfUser(String user) {
        return serversPerUser.computeIfAbsent(user, k -> new ConnectionCounter());
    }

    public ConnectionCounter clientsOfDatabase(String database) {
        return clientsPerDatabase.computeIfAbsent(database, k -> new ConnectionCounter());
    }

    public ConnectionCounter clientsOfUser(String user) {
        return clientsPerUser.computeIfAbsent(user, k -> new ConnectionCounter());
    }
}
