package io.pooler.server.admin;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.FdView;
import io.pooler.admin.PoolView;
import io.pooler.admin.SocketView;
import io.pooler.config.PoolerConfig;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The backend one console command runs against: the pools, clients and servers as collected from the
 * shards' loops just before the command (so a SHOW on an event loop never waits for another loop), and
 * every action passed on to the daemon's backend.
 */
final class SnapshotBackend implements AdminBackend {
    private final ServerAdminBackend backend;
    private final AdminSnapshot snapshot;

    SnapshotBackend(ServerAdminBackend backend, AdminSnapshot snapshot) {
        this.backend = backend;
        this.snapshot = snapshot;
    }

    @Override
    public PoolerConfig config() {
        return backend.config();
    }

    @Override
    public List<PoolView> pools() {
        return snapshot.pools();
    }

    @Override
    public java.util.Map<io.pooler.pool.PoolKey, io.pooler.pool.PoolSettings> poolSettings() {
        return backend.poolSettings();
    }

    @Override
    public List<SocketView> clients() {
        return backend.withConsoles(snapshot.clients());
    }

    @Override
    public List<SocketView> consoles() {
        return backend.consoles();
    }

    @Override
    public List<SocketView> servers() {
        return snapshot.servers();
    }

    @Override
    public int loginClients() {
        return backend.loginClients(snapshot);
    }

    @Override
    public Set<String> authFileUsers() {
        return backend.authFileUsers();
    }

    @Override
    public long statsWindowMicros() {
        return backend.statsWindowMicros();
    }

    @Override
    public PauseMode pauseMode() {
        return backend.pauseMode();
    }

    @Override
    public boolean isShuttingDown() {
        return backend.isShuttingDown();
    }

    @Override
    public boolean isPaused(String database) {
        return backend.isPaused(database);
    }

    @Override
    public boolean isDisabled(String database) {
        return backend.isDisabled(database);
    }

    @Override
    public List<FdView> fds() {
        return backend.fds(clients(), servers());
    }

    @Override
    public CompletionStage<Void> pause(String database) {
        return backend.pause(database);
    }

    @Override
    public CompletionStage<Void> suspend() {
        return backend.suspend();
    }

    @Override
    public void resume(String database) {
        backend.resume(database);
    }

    @Override
    public void setDisabled(String database, boolean disabled) {
        backend.setDisabled(database, disabled);
    }

    @Override
    public void reconnect(String database) {
        backend.reconnect(database);
    }

    @Override
    public void kill(String database) {
        backend.kill(database);
    }

    @Override
    public boolean killClient(long id) {
        return backend.killClient(id, snapshot);
    }

    @Override
    public void shutdown(ShutdownMode mode) {
        backend.shutdown(mode);
    }

    @Override
    public CompletionStage<Optional<String>> reload() {
        return backend.reload();
    }

    @Override
    public CompletionStage<Void> waitClose(String database) {
        return backend.waitClose(database);
    }

    @Override
    public void set(String key, String value) {
        backend.set(key, value);
    }

    @Override
    public CompletionStage<Boolean> applyTlsSettings() {
        return backend.applyTlsSettings();
    }

    // Read-only views of state that is immutable, atomic or owned by its own class: delegated as they are.

    /** The registry is shared and thread-safe; the servers' counts come from this snapshot's rows. */
    @Override
    public io.pooler.admin.PreparedStatementsView preparedStatements() {
        int onServers = servers().stream().mapToInt(SocketView::preparedStatements).sum();
        return backend.preparedStatements(onServers);
    }

    @Override
    public io.pooler.protocol.ParameterMaps parameterMaps() {
        return backend.parameterMaps();
    }

    @Override
    public io.netty.buffer.ByteBufAllocator allocator() {
        return backend.allocator();
    }

    /** Read on the hubs' loops with the rest of the snapshot. */
    @Override
    public List<io.pooler.admin.ListenerView> listeners() {
        return snapshot.listeners();
    }

    @Override
    public long notificationsDelivered() {
        return backend.notificationsDelivered();
    }

    @Override
    public List<io.pooler.admin.PeerPoolView> peerPools() {
        return backend.peerPools();
    }

    @Override
    public List<io.pooler.admin.DnsHostView> dnsHosts() {
        return backend.dnsHosts();
    }

    @Override
    public List<io.pooler.admin.DnsZoneView> dnsZones() {
        return backend.dnsZones();
    }

    @Override
    public int dnsQueriesInFlight() {
        return backend.dnsQueriesInFlight();
    }
}
