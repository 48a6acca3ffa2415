package io.pooler.server.admin;

import io.pooler.admin.ListenerView;
import io.pooler.admin.PoolView;
import io.pooler.admin.SocketView;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolShard;
import io.pooler.pool.PoolSnapshot;
import io.pooler.pool.PooledCancel;
import io.pooler.pool.PooledClient;
import io.pooler.pool.PooledServer;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.client.ClientConnection;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What the admin console shows, read from every pool shard on the shard's own loop and put together:
 * the pools' counts (summed over shards, maxwait the oldest waiting client of all), and the clients and
 * servers as SHOW CLIENTS and SHOW SERVERS print them.
 *
 * @param pools         one view per pool
 * @param clients       the pooled clients (not the consoles); null when collected without them
 * @param servers       the server connections
 * @param clientsById   the pooled clients, for KILL_CLIENT; null when collected without them
 * @param listeners     SHOW LISTENERS' rows, each read on its hub's loop; empty unless asked for
 *                      ({@link #withListeners})
 */
record AdminSnapshot(List<PoolView> pools, List<SocketView> clients, List<SocketView> servers,
                     Map<Long, ClientConnection> clientsById, List<ListenerView> listeners) {

    private static final Comparator<SocketView> BY_ID = Comparator.comparingLong(SocketView::id);

    /**
     * The pooled clients' rows. Only in a snapshot collected with them: building a row for each of
     * thousands of clients took every loop milliseconds, so the console asks for them only for the
     * commands that list clients ({@link io.pooler.admin.AdminCommand#listsClients()}).
     */
    @Override
    public List<SocketView> clients() {
        return listed(clients);
    }

    @Override
    public Map<Long, ClientConnection> clientsById() {
        return listed(clientsById);
    }

    private static <T> T listed(T clientsPart) {
        if (clientsPart == null) {
            throw new IllegalStateException("this snapshot was collected without the clients' rows; "
                    + "a command that reads them must say so (AdminCommand.listsClients)");
        }
        return clientsPart;
    }

    /** This snapshot with the listener hubs' rows, collected on the hubs' own loops. */
    AdminSnapshot withListeners(List<ListenerView> rows) {
        return new AdminSnapshot(pools, clients, servers, clientsById, List.copyOf(rows));
    }

    /**
     * One shard's part, read on its loop; {@code clients} and {@code connections} are null when the
     * clients' rows were not asked for.
     */
    private record ShardPart(PoolSnapshot counts, int clPinned, Map<String, Integer> clientsByUser,
                             List<SocketView> clients, List<SocketView> servers, List<ClientConnection> connections) {
    }

    /**
     * Reads every shard of {@code pools} on its loop; never blocks the caller. The servers' rows are
     * always read (a pool has some tens), the clients' only with {@code listClients}; without them the
     * clients are counted.
     */
    static CompletableFuture<AdminSnapshot> collect(Collection<Pool> pools, boolean listClients) {
        List<CompletableFuture<PoolPart>> parts = new ArrayList<>();
        for (Pool pool : pools) {
            parts.add(pool.collect(shard -> readShard(shard, listClients))
                    .thenApply(shards -> new PoolPart(pool, shards)));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(v -> combine(parts.stream().map(CompletableFuture::join).toList(), listClients));
    }

    private record PoolPart(Pool pool, List<ShardPart> shards) {
    }

    private static ShardPart readShard(PoolShard shard, boolean listClients) {
        List<SocketView> clients = listClients ? new ArrayList<>() : null;
        List<ClientConnection> connections = listClients ? new ArrayList<>() : null;
        int pinned = 0;
        // Most clients logged in as the pool's user (all but where the database forces one): counted
        // apart, without a map entry each.
        String poolUser = shard.pool().key().user();
        int asPoolUser = 0;
        Map<String, Integer> byUser = new HashMap<>();
        for (PooledClient c : shard.clients()) {
            if (c instanceof ClientConnection client) {
                if (listClients) {
                    connections.add(client);
                }
                if (!SocketViews.listed(client)) {
                    continue;
                }
                String user = client.loginUser();
                if (user.equals(poolUser)) {
                    asPoolUser++;
                } else {
                    byUser.merge(user, 1, Integer::sum);
                }
                pinned += client.isPinned() ? 1 : 0;
                if (listClients) {
                    clients.add(SocketViews.client(client));
                }
            }
        }
        if (listClients) {
            for (PooledCancel cancel : shard.cancelRequests()) {
                if (cancel.requester() instanceof ClientConnection requester) {
                    clients.add(SocketViews.cancelRequest(requester, cancel.sent(), shard.pool().key()));
                }
            }
        }
        List<SocketView> servers = new ArrayList<>();
        for (PooledServer s : shard.servers()) {
            if (s instanceof ServerConnection server) {
                SocketViews.server(server).ifPresent(servers::add);
            }
        }
        if (asPoolUser > 0) {
            byUser.merge(poolUser, asPoolUser, Integer::sum);
        }
        return new ShardPart(shard.snapshot(), pinned, byUser, clients, servers, connections);
    }

    private static AdminSnapshot combine(List<PoolPart> parts, boolean listClients) {
        List<PoolView> pools = new ArrayList<>();
        List<SocketView> clients = listClients ? new ArrayList<>() : null;
        List<SocketView> servers = new ArrayList<>();
        Map<Long, ClientConnection> byId = listClients ? new HashMap<>() : null;
        for (PoolPart part : parts) {
            Pool pool = part.pool();
            List<PoolSnapshot> counts = new ArrayList<>();
            List<SocketView> poolClients = new ArrayList<>();
            List<SocketView> poolServers = new ArrayList<>();
            int pinned = 0;
            Map<String, Integer> clientsByUser = new HashMap<>();
            for (ShardPart shard : part.shards()) {
                counts.add(shard.counts());
                pinned += shard.clPinned();
                shard.clientsByUser().forEach((user, n) -> clientsByUser.merge(user, n, Integer::sum));
                poolServers.addAll(shard.servers());
                if (listClients) {
                    poolClients.addAll(shard.clients());
                    shard.connections().forEach(c -> byId.put(c.id(), c));
                }
            }
            // Pool by pool, each in connection order, whichever loops its connections are on.
            poolServers.sort(BY_ID);
            servers.addAll(poolServers);
            if (listClients) {
                poolClients.sort(BY_ID);
                clients.addAll(poolClients);
            }
            pools.add(new PoolView(PoolSnapshot.sum(pool.key(), counts), pool.settings().poolMode(), pool.stats(),
                    pinned, Map.copyOf(clientsByUser)));
        }
        return new AdminSnapshot(pools, clients, servers, byId, List.of());
    }
}
