package io.pooler.server.admin;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.UnixChannel;
import io.pooler.admin.AdminBackend;
import io.pooler.admin.AdminConsole;
import io.pooler.admin.wire.Response;
import io.pooler.pool.PoolSnapshot;
import io.pooler.admin.FdView;
import io.pooler.admin.PoolView;
import io.pooler.admin.PreparedStatementsView;
import io.pooler.admin.SocketView;
import io.pooler.config.DatabaseEntry;
import io.pooler.config.PoolerConfig;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolKey;
import io.pooler.pool.PoolSettings;
import io.pooler.pool.PoolSettingsResolver;
import io.pooler.pool.PooledClient;
import io.pooler.pool.PooledServer;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;
import io.pooler.protocol.prepared.ByteBudget;
import io.pooler.protocol.prepared.StatementRegistry;
import io.pooler.pool.PoolRegistry;
import io.pooler.protocol.ParameterMaps;
import io.pooler.server.CurrentConfig;
import io.pooler.server.PoolerServer;
import io.pooler.server.RuntimeConfig;
import io.pooler.server.ShutdownState;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.client.ClientConnection;
import io.pooler.server.client.SuspendGate;
import io.pooler.server.dns.DnsCache;
import io.pooler.server.listen.ListenerHubs;
import io.pooler.server.peers.PeerPools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The daemon's side of the admin console. Snapshots are read from each pool shard on its own event
 * loop and put together ({@link #collect}); the console collects one before each command and runs
 * the command against it ({@link SnapshotBackend}), so no event loop ever waits for another. The
 * blocking snapshot methods here are for threads that are not event loops (the metrics endpoint).
 * Actions go through the pools, which post them to each shard's loop.
 */
public final class ServerAdminBackend implements AdminBackend {
    private static final Logger log = LoggerFactory.getLogger(ServerAdminBackend.class);
    /** How often PAUSE, SUSPEND and WAIT_CLOSE look whether they are done. */
    private static final long POLL_MILLIS = 50;

    private final PoolerServer server;
    private final ExecutorService shutdownCommands = commandThread("pooler-shutdown");
    private final ExecutorService reloadCommands = commandThread("pooler-reload");
    private final AdminState state;
    private final CurrentConfig config;
    private final PoolRegistry pools;
    private final ListenerHubs listenerHubs;
    private final AtomicInteger clientCount;
    private final ShutdownState shutdown;
    private final PeerPools peers;
    private final DnsCache dns;
    private final StatementRegistry statementRegistry;
    private final ByteBudget serverStatementBytes;
    private final ParameterMaps parameterMaps;
    private final EventLoopGroup loops;

    /**
     * @param server listeners, reload, TLS changes and shutdown: what the console asks of the daemon
     * @param config read by SHOW, replaced by SET
     * @param clientCount every client connection of the process (SHOW STATS' login clients)
     * @param statementRegistry what SHOW MEM counts of prepared statements
     * @param serverStatementBytes the bytes of statement text all servers' caches keep, for SHOW MEM
     * @param parameterMaps what SHOW MEM counts of clients' parameter maps
     * @param loops where PAUSE, SUSPEND and WAIT_CLOSE look whether they are done
     */
    public ServerAdminBackend(PoolerServer server, AdminState state, CurrentConfig config, PoolRegistry pools,
                              ListenerHubs listenerHubs, AtomicInteger clientCount, ShutdownState shutdown,
                              PeerPools peers, DnsCache dns, StatementRegistry statementRegistry,
                              ByteBudget serverStatementBytes, ParameterMaps parameterMaps, EventLoopGroup loops) {
        this.server = server;
        this.state = state;
        this.config = config;
        this.pools = pools;
        this.listenerHubs = listenerHubs;
        this.clientCount = clientCount;
        this.shutdown = shutdown;
        this.peers = peers;
        this.dns = dns;
        this.statementRegistry = statementRegistry;
        this.serverStatementBytes = serverStatementBytes;
        this.parameterMaps = parameterMaps;
        this.loops = loops;
    }

    public AdminState state() {
        return state;
    }

    // ---- snapshots ----

    @Override
    public PoolerConfig config() {
        return config.get().config();
    }

    /**
     * Every pool's shards and every listener hub read on their own loops; completes when all have
     * answered. The clients' rows only with {@code listClients} (see {@link AdminSnapshot#clients()}).
     */
    CompletableFuture<AdminSnapshot> collect(boolean listClients) {
        return AdminSnapshot.collect(pools.all(), listClients)
                .thenCombine(listenerHubs.views(), AdminSnapshot::withListeners);
    }

    /**
     * Runs one console command against a snapshot collected just before it, with the clients' rows
     * when the command lists them; never blocks the caller.
     */
    public CompletionStage<Response> execute(AdminConsole console, boolean adminUser, String query) {
        return collect(console.listsClients(query))
                .thenCompose(snapshot -> console.execute(new SnapshotBackend(this, snapshot), adminUser, query));
    }

    @Override
    public List<PoolView> pools() {
        return await(collect(false)).pools();
    }

    @Override
    public Map<PoolKey, PoolSettings> poolSettings() {
        Map<PoolKey, PoolSettings> settings = new HashMap<>();
        for (Pool pool : pools.all()) {
            settings.put(pool.key(), pool.settings());
        }
        return settings;
    }

    @Override
    public List<SocketView> clients() {
        return withConsoles(await(collect(true)).clients());
    }

    @Override
    public List<SocketView> servers() {
        return await(collect(false)).servers();
    }

    @Override
    public int loginClients() {
        return loginClients(await(collect(false)));
    }

    @Override
    public List<SocketView> consoles() {
        List<SocketView> views = new ArrayList<>();
        for (ConsoleSession console : state.consoles()) {
            views.add(SocketViews.console(console));
        }
        return views;
    }

    /** The pooled clients of a snapshot and the console sessions. */
    List<SocketView> withConsoles(List<SocketView> pooled) {
        List<SocketView> views = new ArrayList<>(pooled);
        views.addAll(consoles());
        return views;
    }

    int loginClients(AdminSnapshot snapshot) {
        int pooled = 0;
        for (PoolView pool : snapshot.pools()) {
            PoolSnapshot c = pool.counts();
            pooled += c.clLogin() + c.clActive() + c.clWaiting();
        }
        return Math.max(0, clientCount.get() - pooled - state.consoles().size());
    }

    /** Waits for a snapshot: only off the event loops, which must compose on {@link #collect} instead. */
    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the pools", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not read the pools", e);
        }
    }

    @Override
    public Set<String> authFileUsers() {
        RuntimeConfig rc = config.get();
        return rc.userlist() == null ? Set.of() : rc.userlist().users();
    }

    @Override
    public long statsWindowMicros() {
        return state.statsWindow().lengthMicros(System.nanoTime());
    }

    @Override
    public PauseMode pauseMode() {
        return state.pauseMode();
    }

    @Override
    public boolean isShuttingDown() {
        return shutdown.mode() != ShutdownState.Mode.NONE;
    }

    @Override
    public boolean isPaused(String database) {
        return state.isDatabasePaused(database);
    }

    @Override
    public boolean isDisabled(String database) {
        return state.isDisabled(database);
    }

    @Override
    public List<io.pooler.admin.PeerPoolView> peerPools() {
        return peers.rows().stream()
                .map(r -> new io.pooler.admin.PeerPoolView(r.peerId(), r.clActiveCancelReq(), r.clWaitingCancelReq(),
                        r.svActiveCancel(), r.svLogin()))
                .toList();
    }

    @Override
    public List<io.pooler.admin.DnsHostView> dnsHosts() {
        long now = System.nanoTime();
        return dns.hosts().stream()
                .map(h -> new io.pooler.admin.DnsHostView(h.hostname(), h.ttlSeconds(now), h.addrs()))
                .toList();
    }

    @Override
    public List<io.pooler.admin.DnsZoneView> dnsZones() {
        return dns.zones().stream()
                .map(z -> new io.pooler.admin.DnsZoneView(z.zonename(), z.serial(), z.count()))
                .toList();
    }

    @Override
    public int dnsQueriesInFlight() {
        return dns.queriesInFlight();
    }

    @Override
    public List<io.pooler.admin.ListenerView> listeners() {
        return await(listenerHubs.views());
    }

    @Override
    public long notificationsDelivered() {
        return listenerHubs.delivered();
    }

    @Override
    public List<FdView> fds() {
        return fds(clients(), servers());
    }

    List<FdView> fds(List<SocketView> clients, List<SocketView> servers) {
        List<FdView> rows = new ArrayList<>();
        for (Channel listener : server.listeners()) {
            rows.add(new FdView(fd(listener), "pooler", null, null, SocketViews.host(listener.localAddress()),
                    SocketViews.port(listener.localAddress()), 0, 0));
        }
        for (SocketView s : clients) {
            rows.add(new FdView(-1, "client", s.user(), s.database(), s.addr(), s.port(), 0, 0));
        }
        for (SocketView s : servers) {
            rows.add(new FdView(-1, "server", s.user(), s.database(), s.addr(), s.port(), 0, 0));
        }
        return rows;
    }

    @Override
    public PreparedStatementsView preparedStatements() {
        int onServers = 0;
        for (Pool pool : pools.all()) {
            for (PooledServer s : pool.servers()) {
                if (s instanceof ServerConnection connection) {
                    onServers += connection.statements().size(); // synchronized: safe from any thread
                }
            }
        }
        return preparedStatements(onServers);
    }

    /** SHOW MEM's statement rows, with the servers' count taken from a snapshot. */
    PreparedStatementsView preparedStatements(int onServers) {
        StatementRegistry registry = statementRegistry;
        return new PreparedStatementsView(registry.size(), registry.definitionBytes(), onServers,
                serverStatementBytes.kept());
    }

    @Override
    public ParameterMaps parameterMaps() {
        return parameterMaps;
    }

    @Override
    public ByteBufAllocator allocator() {
        // No channel sets ChannelOption.ALLOCATOR, so a listener's is every connection's.
        List<Channel> listeners = server.listeners();
        return listeners.isEmpty() ? ByteBufAllocator.DEFAULT : listeners.get(0).config().getAllocator();
    }

    private static int fd(Channel channel) {
        return channel instanceof UnixChannel unix ? unix.fd().intValue() : -1;
    }

    // ---- actions ----

    @Override
    public CompletionStage<Void> pause(String database) {
        if (database == null) {
            state.pauseMode(PauseMode.PAUSE);
        } else {
            state.pausedDatabases().add(database);
        }
        List<Pool> pools = pools(database);
        pools.forEach(Pool::pause);
        // NOTE: logged once the pools hold new requests, so whoever reads the line can count on it.
        if (database == null) {
            log.info("PAUSE command issued");
        } else {
            log.info("PAUSE '{}' command issued", database);
        }
        return when(() -> AdminSnapshot.collect(pools, false).thenApply(snapshot ->
                snapshot.pools().stream().allMatch(p -> p.counts().totalServers() == 0)));
    }

    @Override
    public CompletionStage<Void> suspend() {
        log.info("SUSPEND command issued");
        state.pauseMode(PauseMode.SUSPEND);
        Duration timeout = config.get().config().settings().suspendTimeout();
        long started = System.nanoTime();
        // Reads stop at the gates from now on; what was already read is answered, and output is
        // written as it comes, so the suspension is in place once every client's buffer is empty.
        return when(() -> collect(true).thenApply(snapshot -> {
            List<SocketView> behind = withConsoles(snapshot.clients()).stream()
                    .filter(c -> c.pendingBytes() > 0).toList();
            if (behind.isEmpty()) {
                return true;
            }
            if (timeout.isZero() || System.nanoTime() - started < timeout.toNanos()) {
                return false;
            }
            closeClientsBehind(behind, snapshot);
            return true;
        }));
    }

    /**
     * PgBouncer's suspend_timeout (its per_loop_suspend with force_suspend): a pooled client whose output
     * has not drained by then is closed, so one client that does not read cannot hold SUSPEND for good.
     * Console connections are left alone, as PgBouncer leaves its admin pool.
     */
    private void closeClientsBehind(List<SocketView> behind, AdminSnapshot snapshot) {
        ErrorResponse timedOut = ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "suspend_timeout");
        for (SocketView view : behind) {
            ClientConnection client = snapshot.clientsById().get(view.id());
            if (client != null) {
                log.info("{} closed by suspend_timeout: {} bytes not written", view.ptr(), view.pendingBytes());
                client.disconnect(timedOut);
            }
        }
    }

    @Override
    public void resume(String database) {
        if (database == null) {
            log.info("RESUME command issued");
            PauseMode was = state.pauseMode();
            state.pauseMode(PauseMode.NONE);
            state.pausedDatabases().clear();
            if (was == PauseMode.SUSPEND) {
                state.gates().forEach(SuspendGate::release);
            }
            pools.all().forEach(Pool::resume);
        } else {
            log.info("RESUME '{}' command issued", database);
            state.pausedDatabases().remove(database);
            if (state.pauseMode() != PauseMode.PAUSE) {
                pools(database).forEach(Pool::resume);
            }
        }
    }

    @Override
    public void setDisabled(String database, boolean disabled) {
        log.info("{} '{}' command issued", disabled ? "DISABLE" : "ENABLE", database);
        state.setDisabled(database, disabled);
    }

    @Override
    public void reconnect(String database) {
        log.info("RECONNECT{} command issued", database == null ? "" : " '" + database + "'");
        pools(database).forEach(Pool::reconnectAll);
    }

    @Override
    public void kill(String database) {
        log.info("KILL{} command issued", database == null ? "" : " '" + database + "'");
        List<Pool> pools = pools(database);
        if (database == null) {
            state.pausedDatabases().addAll(config().databases().keySet());
            pools.forEach(p -> state.pausedDatabases().add(p.key().database()));
        } else {
            state.pausedDatabases().add(database);
        }
        // PgBouncer's kill_pool reason, word for word.
        ErrorResponse killed = ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN, "database removed");
        for (Pool pool : pools) {
            pool.pause();
            pool.onEachShard(shard -> {
                for (PooledClient c : shard.clients()) {
                    if (c instanceof ClientConnection client) {
                        client.disconnect(killed);
                    }
                }
                shard.servers().forEach(s -> s.close("KILL"));
            });
        }
    }

    @Override
    public boolean killClient(long id) {
        return killClient(id, await(collect(true)));
    }

    boolean killClient(long id, AdminSnapshot snapshot) {
        ErrorResponse killed = ErrorResponse.fatal(SqlState.ADMIN_SHUTDOWN, "admin forced disconnect");
        ClientConnection client = snapshot.clientsById().get(id);
        if (client != null) {
            client.disconnect(killed);
            return true;
        }
        for (ConsoleSession console : state.consoles()) {
            if (console.id() == id) {
                console.kill(killed);
                return true;
            }
        }
        return false;
    }

    @Override
    public void shutdown(ShutdownMode mode) {
        log.info("SHUTDOWN{} command issued", mode == ShutdownMode.IMMEDIATE ? "" : " " + mode);
        // Shutting down closes the listeners and waits for that, which must not happen on an event loop.
        // One thread, commands in the order issued: with a thread each, a SHUTDOWN WAIT_FOR_SERVERS sent
        // right after a WAIT_FOR_CLIENTS could be applied first and then replaced by it (seen in CI).
        shutdownCommands.execute(() -> {
            switch (mode) {
                case IMMEDIATE -> server.shutdownImmediate();
                case WAIT_FOR_SERVERS -> server.shutdownWaitForServers();
                case WAIT_FOR_CLIENTS -> server.shutdownWaitForClients();
            }
        });
    }

    /**
     * One thread for one kind of console command, run one after the other in the order issued; the
     * thread ends when idle. SHUTDOWN and RELOAD each have their own, so a RELOAD is not held behind a
     * shutdown that waits for the servers.
     */
    private static ExecutorService commandThread(String name) {
        return new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** RELOAD reads files and builds TLS contexts: never on an event loop, which it would stall. */
    @Override
    public CompletionStage<Optional<String>> reload() {
        log.info("RELOAD command issued");
        return CompletableFuture.supplyAsync(server::reload, reloadCommands)
                .thenApply(failure -> {
                    failure.ifPresent(details -> log.error("RELOAD Failed, see logs for more details"));
                    return failure;
                });
    }

    /** On RELOAD's thread, after any RELOAD issued before it: reading key files would stall a loop. */
    @Override
    public CompletionStage<Boolean> applyTlsSettings() {
        return CompletableFuture.supplyAsync(server::applyTlsSettings, reloadCommands);
    }

    @Override
    public CompletionStage<Void> waitClose(String database) {
        log.info("WAIT_CLOSE{} command issued", database == null ? "" : " '" + database + "'");
        List<Pool> pools = pools(database);
        return when(() -> AdminSnapshot.collect(pools, false).thenApply(snapshot ->
                snapshot.servers().stream().noneMatch(SocketView::closeNeeded)));
    }

    @Override
    public void set(String key, String value) {
        RuntimeConfig rc = config.get();
        PoolerConfig changed = rc.config().withSettings(rc.config().settings().with(key, value));
        config.swap(new RuntimeConfig(changed, rc.userlist(), rc.trackedParameters(), rc.hba(), rc.tls()));
        for (Pool pool : pools.all()) {
            Optional<DatabaseEntry> db = changed.findDatabase(pool.key().database());
            db.ifPresent(entry -> pool.updateSettings(PoolSettingsResolver.resolve(changed, entry, pool.key().user())));
        }
        log.info("SET {} = {}", key, value);
    }

    // ---- helpers ----

    private List<Pool> pools(String database) {
        Predicate<Pool> wanted = database == null ? p -> true : p -> p.key().database().equals(database);
        return pools.all().stream().filter(wanted).toList();
    }

    /**
     * Completes once {@code done} answers true, asking every {@value #POLL_MILLIS} ms; the question is
     * asked on an event loop and answered asynchronously (it collects from the shards' loops).
     */
    private CompletionStage<Void> when(Supplier<CompletionStage<Boolean>> done) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        Runnable[] check = new Runnable[1];
        check[0] = () -> done.get().whenComplete((ok, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (ok) {
                result.complete(null);
            } else if (!loops.isShuttingDown()) {
                loops.next().schedule(check[0], POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
        });
        loops.next().execute(check[0]);
        return result;
    }

    /** Bytes queued on a channel and not yet written to its socket. */
    static long pendingBytes(Channel channel) {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }
}
