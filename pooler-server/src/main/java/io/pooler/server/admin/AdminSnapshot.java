package io.pooler.server.admin;

import io.pooler.admin.ListenerView;
import io.pooler.admin.PoolView;
import io.pooler.admin.SocketView;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolShard;
import io.pooler.pool.PoolSnapshot;
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
 * @param clients       the pooled clients (not the consoles)
 * @param servers       the server connections
 * @param clientsById   the pooled clients, for KILL_CLIENT
 * @param listeners     SHOW LISTENERS' rows, each read on its hub's loop; empty unless asked for
 *                      ({@link #withListeners})
 */
record AdminSnapshot(List<PoolView> pools, List<SocketView> clients, List<SocketView> servers,
                     Map<Long, ClientConnection> clientsById, List<ListenerView> listeners) {

    private static final Comparator<SocketView> BY_ID = Comparator.comparingLong(SocketView::id);

    /** This snapshot with the listener hubs' rows, collected on the hubs' own loops. */
    AdminSnapshot withListeners(List<ListenerView> rows) {
        return new AdminSnapshot(pools, clients, servers, clientsById, List.copyOf(rows));
    }

    /** One shard's part, read on its loop. */
    private record ShardPart(PoolSnapshot counts, int clPinned, List<SocketView> clients, List<SocketView> servers,
                             List<ClientConnection> connections) {
    }

    /** Reads every shard of {@code pools} on its loop; never blocks the caller. */
    static CompletableFuture<AdminSnapshot> collect(Collection<Pool> pools) {
        List<CompletableFuture<PoolPart>> parts = new ArrayList<>();
        for (Pool pool : pools) {
            parts.add(pool.collect(AdminSnapshot::readShard).thenApply(shards -> new PoolPart(pool, shards)));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(v -> combine(parts.stream().map(CompletableFuture::join).toList()));
    }

    private record PoolPart(Pool pool, List<ShardPart> shards) {
    }

    private static ShardPart readShard(PoolShard shard) {
        List<SocketView> clients = new ArrayList<>();
        List<ClientConnection> connections = new ArrayList<>();
        int pinned = 0;
        for (PooledClient c : shard.clients()) {
            if (c instanceof ClientConnection client) {
                var view = SocketViews.client(client);
                if (view.isPresent()) {
                    clients.add(view.get());
                    pinned += view.get().pinned().isEmpty() ? 0 : 1;
                }
                connections.add(client);
            }
        }
        List<SocketView> servers = new ArrayList<>();
        for (PooledServer s : shard.servers()) {
            if (s instanceof ServerConnection server) {
                SocketViews.server(server).ifPresent(servers::add);
            }
        }
        return new ShardPart(shard.snapshot(), pinned, clients, servers, connections);
    }

    private static AdminSnapshot combine(List<PoolPart> parts) {
        List<PoolView> pools = new ArrayList<>();
        List<SocketView> clients = new ArrayList<>();
        List<SocketView> servers = new ArrayList<>();
        Map<Long, ClientConnection> byId = new HashMap<>();
        for (PoolPart part : parts) {
            Pool pool = part.pool();
            List<PoolSnapshot> counts = new ArrayList<>();
            List<SocketView> poolClients = new ArrayList<>();
            List<SocketView> poolServers = new ArrayList<>();
            int pinned = 0;
            for (ShardPart shard : part.shards()) {
                counts.add(shard.counts());
                pinned += shard.clPinned();
                poolClients.addAll(shard.clients());
                poolServers.addAll(shard.servers());
                shard.connections().forEach(c -> byId.put(c.id(), c));
            }
            // Pool by pool, each in connection order, whichever loops its connections are on.
            poolClients.sort(BY_ID);
            poolServers.sort(BY_ID);
            clients.addAll(poolClients);
            servers.addAll(poolServers);
            pools.add(new PoolView(PoolSnapshot.sum(pool.key(), counts), pool.settings().poolMode(), pool.stats(),
                    pinned));
        }
        return new AdminSnapshot(pools, clients, servers, byId, List.of());
    }
}
