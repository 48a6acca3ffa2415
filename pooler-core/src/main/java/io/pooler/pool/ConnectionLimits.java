package io.pooler.pool;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The counters that span pools: server and client connections per database (across users) and per
 * user (across databases).
 *
 * <p>A database's and a user's server counters are held by the pools that count in them, and dropped
 * with the last such pool ({@link #holdServers}, {@link #releaseServers}): names under a {@code *}
 * entry come from clients, and a counter kept for each name ever asked for would grow without bound.
 * Taking and dropping a holder are atomic with each other (one {@code compute} of the map each), so two
 * pools of one database never count in two counters. The client counters are kept the same way while
 * any client holds a slot in them: a client's slot is taken and given back inside the map's compute.
 */
public final class ConnectionLimits {
    private final ConcurrentHashMap<String, HeldCounter> serversPerDatabase = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, HeldCounter> serversPerUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConnectionCounter> clientsPerDatabase = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConnectionCounter> clientsPerUser = new ConcurrentHashMap<>();

    /** A counter and the number of pools holding it; changed only inside the map's compute. */
    private static final class HeldCounter {
        final ConnectionCounter counter = new ConnectionCounter();
        int holders;
    }

    /** The server counters of a new pool of {@code database} and {@code user}, held until {@link #releaseServers}. */
    public ServerCounters holdServers(String database, String user) {
        return new ServerCounters(hold(serversPerDatabase, database), hold(serversPerUser, user));
    }

    /** A pool of {@code database} and {@code user} is gone: a counter no pool holds any more is dropped. */
    public void releaseServers(String database, String user) {
        release(serversPerDatabase, database);
        release(serversPerUser, user);
    }

    /** The two server counters a pool counts in. */
    public record ServerCounters(ConnectionCounter database, ConnectionCounter user) {
    }

    /** The servers counted for {@code database} now (0 when no pool of it exists). */
    public int serversOfDatabase(String database) {
        HeldCounter held = serversPerDatabase.get(database);
        return held == null ? 0 : held.counter.get();
    }

    /** The servers counted for {@code user} now (0 when no pool of it exists). */
    public int serversOfUser(String user) {
        HeldCounter held = serversPerUser.get(user);
        return held == null ? 0 : held.counter.get();
    }

    /** Server counters kept, databases and users together: one per name some pool counts in. */
    public int serverCountersKept() {
        return serversPerDatabase.size() + serversPerUser.size();
    }

    /**
     * Takes one of {@code database}'s client slots (max_db_client_connections) if fewer than {@code limit}
     * are taken (0: no limit); given back with {@link #releaseClientOfDatabase}.
     */
    public boolean tryTakeClientOfDatabase(String database, int limit) {
        return tryTake(clientsPerDatabase, database, limit);
    }

    public void releaseClientOfDatabase(String database) {
        giveBack(clientsPerDatabase, database);
    }

    /** {@link #tryTakeClientOfDatabase} for max_user_client_connections. */
    public boolean tryTakeClientOfUser(String user, int limit) {
        return tryTake(clientsPerUser, user, limit);
    }

    public void releaseClientOfUser(String user) {
        giveBack(clientsPerUser, user);
    }

    /** Client counters kept, databases and users together: one per name some client holds a slot in. */
    public int clientCountersKept() {
        return clientsPerDatabase.size() + clientsPerUser.size();
    }

    private static boolean tryTake(ConcurrentHashMap<String, ConnectionCounter> counters, String name, int limit) {
        boolean[] taken = new boolean[1];
        counters.compute(name, (k, counter) -> {
            ConnectionCounter c = counter != null ? counter : new ConnectionCounter();
            taken[0] = c.tryAcquire(limit);
            return c.get() == 0 ? null : c;
        });
        return taken[0];
    }

    private static void giveBack(ConcurrentHashMap<String, ConnectionCounter> counters, String name) {
        counters.computeIfPresent(name, (k, counter) -> {
            counter.release();
            return counter.get() == 0 ? null : counter;
        });
    }

    private static ConnectionCounter hold(ConcurrentHashMap<String, HeldCounter> counters, String name) {
        return counters.compute(name, (k, held) -> {
            HeldCounter h = held != null ? held : new HeldCounter();
            h.holders++;
            return h;
        }).counter;
    }

    private static void release(ConcurrentHashMap<String, HeldCounter> counters, String name) {
        counters.computeIfPresent(name, (k, held) -> --held.holders == 0 ? null : held);
    }
}
