package io.pooler.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The state lists of one {@link PoolShard}, PgBouncer's cl_* and sv_* lists: each client and server of
 * the shard has exactly one state, and that state is the list it is in, so every count in SHOW POOLS is
 * a list's size and cannot drift from what the shard acts on. A member changes list only through
 * {@link #moveClient}, {@link #moveServer}, {@link #dropServer} and {@link #unlist} (PgBouncer's
 * change_*_state), which also keep up to date what the other shards read of this one.
 *
 * <p>NOTE: owned by the shard's loop, as the shard is; its callers have checked that they run on it.
 * Only the published fields are read from other loops.
 */
final class ShardLists {
    private final Pool pool;

    /** The name of {@link #activeCancelRequests}, by which a cancel knows it was sent ({@link PooledCancel#sent}). */
    static final String ACTIVE_CANCEL_REQUESTS = "cl_active_cancel_req";

    final StateList<PooledClient> loginClients = new StateList<>("cl_login");
    final StateList<PooledClient> activeClients = new StateList<>("cl_active");
    final StateList<PooledClient> waitingClients = new StateList<>("cl_waiting");
    final StateList<PooledServer> loginServers = new StateList<>("sv_login");
    final StateList<PooledServer> idleServers = new StateList<>("sv_idle");
    final StateList<PooledServer> activeServers = new StateList<>("sv_active");
    final StateList<PooledServer> usedServers = new StateList<>("sv_used");
    final StateList<PooledServer> testedServers = new StateList<>("sv_tested");
    final StateList<PooledServer> beingCanceledServers = new StateList<>("sv_being_canceled");
    /** Cancel requests for this shard's servers whose connection to PostgreSQL is being opened. */
    final StateList<PooledCancel> waitingCancelRequests = new StateList<>("cl_waiting_cancel_req");
    /** Cancel requests on their way: each has a connection of its own, so this is sv_active_cancel too. */
    final StateList<PooledCancel> activeCancelRequests = new StateList<>(ACTIVE_CANCEL_REQUESTS);

    /** {@link #totalServers()} as of the last launch or drop, for the other shards' donation decisions. */
    private volatile int publishedServers;
    /** Whether this shard has an idle server (sv_idle or sv_used), for the other shards' launch decisions. */
    private volatile boolean publishedHasIdle;
    /** This shard's clients as of the last login or close, for min_pool_size ("a client is connected"). */
    private volatile int publishedClients;

    ShardLists(Pool pool) {
        this.pool = pool;
    }

    // ---- moving between lists ----

    void moveClient(PooledClient client, StateList<PooledClient> to, ClientState state) {
        removeClient(client);
        to.addLast(client);
        client.state = state;
    }

    void removeClient(PooledClient client) {
        unlist(client);
    }

    void moveServer(PooledServer server, StateList<PooledServer> to, ServerState state) {
        unlist(server);
        if (state == ServerState.IDLE && !pool.settings().serverRoundRobin()) {
            // LIFO, as PgBouncer: the next client takes the server used last, so a few servers do most of
            // the work and the rest go idle long enough for server_idle_timeout to close them
            to.addFirst(server);
        } else {
            to.addLast(server);
        }
        server.state = state;
        publishIdle();
    }

    /** The server leaves the shard's lists for good; true when that gave a slot of the pool's size back. */
    boolean dropServer(PooledServer server) {
        unlist(server);
        server.state = ServerState.CLOSED;
        publishedServers = totalServers();
        publishIdle();
        if (server.holdsPoolSlot) {
            server.holdsPoolSlot = false;
            pool.releaseServerSlot();
            return true;
        }
        return false;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static void unlist(PoolMember member) {
        if (member.list != null) {
            ((StateList) member.list).remove(member);
        }
    }

    /** Moves every logging-in client to cl_active; returns them, for the caller to tell. */
    List<PooledClient> drainLoginClients() {
        List<PooledClient> drained = new ArrayList<>();
        loginClients.forEach(c -> {
            moveClient(c, activeClients, ClientState.ACTIVE);
            drained.add(c);
        });
        return drained;
    }

    /**
     * The server idle the longest: checked ones first (sv_used), then the end of sv_idle that was released
     * first (its tail, or its head under server_round_robin); null if none.
     */
    PooledServer longestIdle() {
        if (usedServers.first() != null) {
            return usedServers.first();
        }
        return pool.settings().serverRoundRobin() ? idleServers.first() : idleServers.last();
    }

    int totalServers() {
        return loginServers.size() + idleServers.size() + activeServers.size() + usedServers.size()
                + testedServers.size() + beingCanceledServers.size();
    }

    // ---- what other loops read ----

    /** A client joined the shard. */
    void clientCounted() {
        publishedClients++; // NOTE: written on this loop only
    }

    /** A client that was in a list left the shard. */
    void clientUncounted() {
        publishedClients = Math.max(0, publishedClients - 1);
    }

    /** Publishes {@link #totalServers()} after a server came or went other than by {@link #dropServer}. */
    void publishServers() {
        publishedServers = totalServers();
    }

    /**
     * NOTE: a yes/no written only when it changes: a count would change, and cost a volatile write, at
     * every link and release of a busy pool; whether any server is idle changes far more rarely.
     */
    void publishIdle() {
        boolean hasIdle = idleServers.size() + usedServers.size() > 0;
        if (hasIdle != publishedHasIdle) {
            publishedHasIdle = hasIdle;
        }
    }

    /** Clients of this shard as last published; read by other shards' loops. */
    int publishedClients() {
        return publishedClients;
    }

    /** Servers of this shard as last published; read by other shards' loops. */
    int publishedServers() {
        return publishedServers;
    }

    /** Whether this shard had an idle server when last published; read by other shards' loops. */
    boolean publishedHasIdle() {
        return publishedHasIdle;
    }

    // ---- reading ----

    /** This shard's counts; the pool adds up the shards' for SHOW POOLS. */
    PoolSnapshot snapshot() {
        PooledClient oldest = waitingClients.first();
        long maxWait = oldest == null ? 0 : (pool.now() - oldest.waitStartNanos) / 1000;
        return new PoolSnapshot(pool.key(), loginClients.size(), activeClients.size(), waitingClients.size(),
                activeServers.size(), idleServers.size(), usedServers.size(), testedServers.size(),
                loginServers.size(), maxWait, activeCancelRequests.size(), waitingCancelRequests.size(),
                activeCancelRequests.size(), beingCanceledServers.size());
    }

    /** Clients of this shard (logging in, active or waiting). */
    List<PooledClient> clients() {
        List<PooledClient> all = new ArrayList<>();
        loginClients.forEach(all::add);
        activeClients.forEach(all::add);
        waitingClients.forEach(all::add);
        return all;
    }

    List<PooledCancel> cancelRequests() {
        List<PooledCancel> all = new ArrayList<>();
        waitingCancelRequests.forEach(all::add);
        activeCancelRequests.forEach(all::add);
        return all;
    }

    List<PooledServer> servers() {
        List<PooledServer> all = new ArrayList<>();
        for (StateList<PooledServer> list : List.of(activeServers, idleServers, usedServers, testedServers, loginServers,
                beingCanceledServers)) {
            list.forEach(all::add);
        }
        return all;
    }

    /** Every server of the shard, in whatever state: RECONNECT marks them all. */
    void forEachServer(Consumer<PooledServer> action) {
        for (StateList<PooledServer> list : List.of(loginServers, idleServers, activeServers, usedServers, testedServers,
                beingCanceledServers)) {
            list.forEach(action);
        }
    }
}
