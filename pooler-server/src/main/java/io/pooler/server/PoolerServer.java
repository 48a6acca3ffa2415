package io.pooler.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.Version;
import io.pooler.config.DatabaseEntry;
import io.pooler.config.Settings;
import io.pooler.pool.ConnectionLimits;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolSettingsResolver;
import io.pooler.pool.PoolSnapshot;
import io.pooler.server.admin.ConsoleSession;
import io.pooler.server.admin.MetricsService;
import io.pooler.server.admin.ServerAdminBackend;
import io.pooler.server.admin.StatsTicker;
import io.pooler.server.client.ClientChannels;
import io.pooler.server.listen.ListenerHubs;
import io.pooler.server.net.TcpTuning;
import io.pooler.server.net.Transport;
import io.pooler.server.tls.TlsConfig;
import io.pooler.server.tls.TlsConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running daemon: listeners, event loops, timed maintenance, reload and the three kinds of
 * shutdown. One instance per process in production; tests run one per test in-process.
 */
public final class PoolerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PoolerServer.class);
    /** PgBouncer's janitor runs three times a second; so does ours. */
    private static final long JANITOR_PERIOD_MILLIS = 333;
    /** How long a shutdown waits for the loops to close their servers before it stops them anyway. */
    private static final long SERVER_CLOSE_WAIT_MILLIS = 2000;
    /**
     * Netty's adaptive receive-buffer sizing, its reads capped at 16 KiB as io_uring's provided buffers
     * are (Transport): a read is what a client is read past a bound that stops reading it (a waiting
     * client's 64 KiB, the budget of waiting clients), and Netty's default cap, 64 KiB, let each waiting
     * client hold 32 to 64 KiB more on epoll (WaitingBudgetTest).
     */
    private static final AdaptiveRecvByteBufAllocator CLIENT_RECV_ALLOCATOR = new AdaptiveRecvByteBufAllocator(64, 2048, 16 * 1024);

    private final Path configFile;
    private final PoolerWiring wiring;
    private final CurrentConfig config;
    private final ShutdownState shutdown;
    private final EventLoopGroup workers;
    private final Transport transport;
    private final ServerAdminBackend adminBackend;
    private final ClientChannels clientChannels;
    private final Listeners listeners;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    /** Made now, with its thread: it must work when no class can be loaded any more (see its comment). */
    private final ShutdownWatchdog watchdog = ShutdownWatchdog.haltingProcess();
    /** finish() has begun stopping the loops (under this object's lock); a second call does not again. */
    private boolean stopping;
    private ScheduledFuture<?> janitor;
    private ScheduledFuture<?> shutdownWatch;
    /** A count found off is logged once (set on whichever loop finished the census). */
    private final AtomicBoolean clientCountOffLogged = new AtomicBoolean();
    private final StatsTicker statsTicker;
    private MetricsService metrics;

    private PoolerServer(Path configFile, RuntimeConfig config, Transport transport, int threads) {
        this.configFile = configFile;
        this.workers = transport.newGroup(threads, "pooler");
        this.transport = transport;
        this.listeners = new Listeners(transport);
        this.wiring = new PoolerWiring(config, transport, workers);
        this.config = wiring.config;
        this.shutdown = wiring.shutdown;
        this.adminBackend = wiring.adminBackend(this);
        this.clientChannels = wiring.clientChannels(
                (channel, user, id, refuse) -> new ConsoleSession(adminBackend, channel, user, id, refuse));
        this.statsTicker = wiring.statsTicker();
    }

    /** Loads the config, binds the listeners and starts serving. */
    public static PoolerServer start(Path configFile) throws Exception {
        RuntimeConfigLoader.Loaded loaded = RuntimeConfigLoader.load(configFile);
        loaded.warnings().forEach(log::warn);
        Settings s = loaded.config().config().settings();
        int threads = s.workerThreads() > 0 ? s.workerThreads() : Runtime.getRuntime().availableProcessors();
        Transport transport = Transport.configured();
        PoolerServer server = new PoolerServer(configFile, loaded.config(), transport, threads);
        try {
            server.bind(s);
            server.metrics = MetricsService.startIfConfigured(s, server.adminBackend, server.wiring.pools);
        } catch (Exception e) {
            server.listeners.close(false, false);
            server.workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
        server.janitor = server.workers.next().scheduleAtFixedRate(server.wiring.janitor(),
                JANITOR_PERIOD_MILLIS, JANITOR_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        server.statsTicker.start();
        log.info("{} started: {} ({})", Version.STRING, threads == 1 ? "1 event loop" : threads + " event loops",
                transport.name());
        return server;
    }

    private void bind(Settings s) throws Exception {
        ServerBootstrap bootstrap = transport.configureStream(new ServerBootstrap())
                .group(workers)
                .option(ChannelOption.SO_BACKLOG, s.listenBacklog())
                // One allocator for every client channel (each keeps only its own handle), not one each.
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, CLIENT_RECV_ALLOCATOR)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (!(ch instanceof DomainSocketChannel)) {
                            // The settings in force now: a RELOAD applies to new connections, as in PgBouncer.
                            TcpTuning.tune(ch, config.get().config().settings(), transport);
                        }
                        ch.pipeline().addLast(clientChannels.newHandler(config.get().config().settings().maxPacketSize()));
                    }
                });
        listeners.bind(bootstrap, s);
    }

    /** The config snapshot in force. */
    public RuntimeConfig config() {
        return config.get();
    }

    /** Every pool of the process. */
    public Collection<Pool> pools() {
        return wiring.pools.all();
    }

    /** The counts max_db_connections and max_user_connections are checked against, shared by every loop. */
    public ConnectionLimits connectionLimits() {
        return wiring.limits;
    }

    /** Pools of automatic databases freed since start (autodb_idle_timeout). */
    public long poolsRetired() {
        return wiring.poolMaker.poolsRetired();
    }

    /** Every client connection of the process, logged in or not (max_client_conn counts them). */
    public int clientCount() {
        return wiring.clientCount.get();
    }

    /** The client connections each loop lists, read on the loops (see {@link ClientChannels#census}). */
    public CompletableFuture<ClientChannels.Census> clientCensus() {
        return clientChannels.census();
    }

    /** What the console and the metrics read of this server. */
    public ServerAdminBackend adminBackend() {
        return adminBackend;
    }

    /** The event loops that run every connection. */
    public EventLoopGroup eventLoops() {
        return workers;
    }

    /** The pools' LISTEN multiplexers. */
    public ListenerHubs listenerHubs() {
        return wiring.listenerHubs;
    }

    /** A copy of the process's random secret (SCRAM salts). */
    public byte[] processSecret() {
        return wiring.processSecret.bytes();
    }

    /** Whether SUSPEND is in force. */
    public boolean isSuspended() {
        return wiring.admin.isSuspended();
    }

    /** The TCP port bound (the first listener's), or -1 when listening only on the unix socket. */
    public int tcpPort() {
        return listeners.tcpPort();
    }

    /** The port of the Prometheus endpoint, or -1 when it is off. */
    public int metricsPort() {
        return metrics == null ? -1 : metrics.port();
    }

    /** The listening channels (SHOW FDS). */
    public List<Channel> listeners() {
        return listeners.all();
    }

    /** Every pool's counts, read on the shards' loops; blocking, so not for an event loop. */
    public List<PoolSnapshot> poolSnapshots() {
        return wiring.pools.all().stream().map(Pool::snapshot).toList();
    }

    /** Every pool's counts, read on the shards' loops, without blocking. */
    private CompletableFuture<List<PoolSnapshot>> poolSnapshotsAsync() {
        List<CompletableFuture<PoolSnapshot>> parts = wiring.pools.all().stream().map(Pool::snapshotAsync).toList();
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(v -> parts.stream().map(CompletableFuture::join).toList());
    }

    // ---- reload ----

    /**
     * Re-reads the ini and the auth file. New values apply to new logins and new server connections;
     * no connection is dropped. A broken file keeps the running config and says why.
     *
     * @return empty on success, else the reason it was refused
     */
    public synchronized Optional<String> reload() {
        RuntimeConfigLoader.Loaded loaded;
        try {
            loaded = RuntimeConfigLoader.load(configFile);
        } catch (RuntimeConfigLoader.LoadException e) {
            log.error("reload failed, keeping the running config: {}", e.getMessage());
            return Optional.of(e.getMessage());
        }
        loaded.warnings().forEach(log::warn);
        RuntimeConfig previous = config.get();
        RuntimeConfig next = ReloadOnlyAtStart.keepRunningValues(previous, loaded.config());
        config.swap(next);
        Settings now = next.config().settings();
        if (previous.config().settings().tcpDeferAccept() != now.tcpDeferAccept()) {
            listeners.applyDeferAccept(now);
        }
        for (Pool pool : wiring.pools.all()) {
            Optional<DatabaseEntry> before = previous.config().findDatabase(pool.key().database());
            Optional<DatabaseEntry> after = loaded.config().config().findDatabase(pool.key().database());
            if (after.isPresent()) {
                pool.updateSettings(PoolSettingsResolver.resolve(loaded.config().config(), after.get(), pool.key().user()));
            }
            if (!Objects.equals(before.map(PoolerServer::connectionIdentity), after.map(PoolerServer::connectionIdentity))
                    || serverTlsChanged(previous, loaded.config())) {
                pool.reconnectAll();
            }
        }
        log.info("configuration reloaded from {}", configFile);
        return Optional.empty();
    }

    /**
     * After SET of a TLS key: the TLS contexts are built again from the running settings and their files,
     * as PgBouncer's sbuf_tls_setup, and servers are replaced when the server side changed. Reads files:
     * never call it on an event loop.
     *
     * @return false, with the running TLS kept, when the settings or files cannot be used
     */
    public synchronized boolean applyTlsSettings() {
        RuntimeConfig rc = config.get();
        List<String> warnings = new ArrayList<>();
        TlsConfig tls;
        try {
            tls = TlsConfig.load(rc.config().settings(), warnings);
        } catch (TlsConfigException e) {
            log.error("TLS settings could not be applied, still using old configuration: {}", e.getMessage());
            return false;
        }
        warnings.forEach(log::warn);
        RuntimeConfig applied = new RuntimeConfig(rc.config(), rc.userlist(), rc.trackedParameters(), rc.hba(), tls);
        config.swap(applied);
        if (serverTlsChanged(rc, applied)) {
            wiring.pools.all().forEach(Pool::reconnectAll);
        }
        return true;
    }

    /**
     * New server TLS settings or files: connections made with the old ones are replaced, as PgBouncer
     * does, so a tightened setting takes effect without waiting for server_lifetime.
     */
    private static boolean serverTlsChanged(RuntimeConfig before, RuntimeConfig after) {
        return !before.tls().server().identity().equals(after.tls().server().identity());
    }

    /** What makes two database entries lead to the same server sessions. */
    private static String connectionIdentity(DatabaseEntry db) {
        return db.host().orElse("") + ":" + db.port() + "/" + db.dbname() + "/" + db.user().orElse("")
                + "/" + db.password().orElse("") + "/" + db.applicationName().orElse("")
                + "/" + db.connectQuery().orElse("");
    }

    // ---- pause ----

    /** SIGUSR1: PAUSE, as the console's PAUSE with no database. */
    public void pause() {
        adminBackend.pause(null);
    }

    /** SIGUSR2: RESUME. */
    public void resume() {
        adminBackend.resume(null);
    }

    // ---- shutdown ----

    /**
     * SIGINT, SHUTDOWN WAIT_FOR_SERVERS: stop accepting, let running transactions finish, then exit. As
     * PgBouncer, which pauses: a client waiting for a server, or asking for one, is told "server
     * shutting down".
     */
    public void shutdownWaitForServers() {
        // NOTE: the pools refuse before the shutdown is logged and the listeners close: whoever waits for
        // that line (an operator, a preStop hook) must find no client served after it.
        for (Pool pool : wiring.pools.all()) {
            pool.refuseServers();
        }
        beginShutdown(ShutdownState.Mode.WAIT_FOR_SERVERS);
        for (Pool pool : wiring.pools.all()) {
            pool.refuseServers(); // a pool made meanwhile, by a client that logged in just before the listeners closed
            pool.closeIdleServers("shutting down");
        }
        clientChannels.shutdownRequested();
        watchShutdown();
    }

    /** SIGTERM, SHUTDOWN WAIT_FOR_CLIENTS: stop accepting, exit when the last client has left. */
    public void shutdownWaitForClients() {
        beginShutdown(ShutdownState.Mode.WAIT_FOR_CLIENTS);
        watchShutdown();
    }

    /** SIGQUIT, a second SIGINT/SIGTERM, SHUTDOWN: close everything now. */
    public void shutdownImmediate() {
        watchdog.finishing();
        shutdown.mode(ShutdownState.Mode.IMMEDIATE);
        listeners.close(false, onAnyLoop());
        finish();
    }

    /** True once a shutdown of any mode has begun. */
    public boolean isShuttingDown() {
        return shutdown.mode() != ShutdownState.Mode.NONE;
    }

    /**
     * A shutdown request sets the mode; a later one (the console's) only changes it, as in PgBouncer:
     * a second signal exits at once, which {@link io.pooler.server.process.SignalDispatcher} decides.
     * TCP listeners close; a unix socket stays open for the console until the exit.
     */
    private void beginShutdown(ShutdownState.Mode mode) {
        watchdog.waiting();
        log.info("shutdown requested ({})", mode);
        shutdown.mode(mode);
        listeners.close(true, onAnyLoop());
    }

    /** Finishes the shutdown once the current mode's condition holds; asked every 100 ms, answered asynchronously. */
    private synchronized void watchShutdown() {
        if (terminated.isDone() || shutdownWatch != null) {
            return;
        }
        // NOTE: what goes wrong in one look is logged and the next look comes: a periodic task that throws
        // is never run again, and the shutdown would then wait for good.
        shutdownWatch = workers.next().scheduleAtFixedRate(() -> {
            try {
                shutdownDone().thenAccept(ok -> {
                    watchdog.checked();
                    if (ok) {
                        finish();
                    }
                }).exceptionally(failed -> {
                    log.error("shutdown: finishing failed", failed);
                    return null;
                });
            } catch (RuntimeException e) {
                log.error("shutdown: could not check whether it may finish", e);
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
    }

    private java.util.concurrent.CompletionStage<Boolean> shutdownDone() {
        return switch (shutdown.mode()) {
            case WAIT_FOR_SERVERS -> poolSnapshotsAsync().thenApply(pools ->
                    pools.stream().allMatch(p -> p.svActive() == 0 && p.svTested() == 0));
            case WAIT_FOR_CLIENTS -> clientChannels.census().thenApply(this::noClientLeft);
            default -> CompletableFuture.completedFuture(false);
        };
    }

    /**
     * WAIT_FOR_CLIENTS: done when the loops list no client connection (the console's included), which is
     * what the wait is for. Not the count behind max_client_conn: a count left off by one by a close it
     * missed would keep the process up for good. Such a count is logged once, as the bug it is. (The
     * processes seen never to end on SIGTERM were, as far as is known, ones whose jar had been rebuilt
     * under them: see {@link ShutdownWatchdog}.)
     */
    private boolean noClientLeft(ClientChannels.Census census) {
        if (census.listed() > census.closed()) {
            return false; // a client connection is open (one listed with its channel closed is not waited for)
        }
        int counted = wiring.clientCount.get();
        if (counted != 0 && clientCountOffLogged.compareAndSet(false, true)) {
            log.error("no client connection is open, but {} are counted (max_client_conn's count is off); "
                    + "shutting down all the same", counted);
        }
        return true;
    }

    private boolean onAnyLoop() {
        for (io.netty.util.concurrent.EventExecutor loop : workers) {
            if (loop.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    private synchronized void finish() {
        if (terminated.isDone()) {
            return;
        }
        watchdog.finishing();
        if (janitor != null) {
            janitor.cancel(false);
        }
        statsTicker.stop();
        if (metrics != null) {
            metrics.close();
        }
        if (shutdownWatch != null) {
            shutdownWatch.cancel(false);
        }
        listeners.close(false, onAnyLoop()); // the unix socket, kept for the console during the shutdown
        clientChannels.closeAll();
        if (!stopping) {
            stopping = true;
            closeServersThen(() -> workers.shutdownGracefully(transport.shutdownQuietMillis(), 2000, TimeUnit.MILLISECONDS)
                    .addListener(f -> terminated.complete(null)));
        }
        log.info("shutdown complete");
    }

    /**
     * Closes every pool's servers on their loops, then runs {@code next}, which stops the loops. Why the
     * wait: a Netty loop told to stop closes all its channels (IoHandler.prepareToDestroy) before it runs
     * the tasks queued earlier, so closes queued just before shutdownGracefully found their channels
     * closed already: PostgreSQL got no Terminate, and the log said the server had closed. A close takes
     * two hops on a server's loop (the shard's task calls ServerConnection.close, which queues the close
     * itself), so the barrier on each loop takes two hops as well, queued behind them. A loop that does
     * not answer within {@link #SERVER_CLOSE_WAIT_MILLIS} is stopped anyway.
     */
    private void closeServersThen(Runnable next) {
        for (Pool pool : wiring.pools.all()) {
            pool.onEachShard(shard -> {
                shard.servers().forEach(s -> s.close("shutdown"));
                shard.closeIdleServers("shutdown");
            });
        }
        List<CompletableFuture<Void>> barriers = new ArrayList<>();
        for (EventExecutor loop : workers) {
            CompletableFuture<Void> passed = new CompletableFuture<>();
            barriers.add(passed);
            try {
                loop.execute(() -> loop.execute(() -> passed.complete(null)));
            } catch (RejectedExecutionException e) {
                passed.complete(null); // already stopping: nothing more runs there
            }
        }
        CompletableFuture.allOf(barriers.toArray(CompletableFuture[]::new))
                .orTimeout(SERVER_CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)
                .whenComplete((passed, timedOut) -> next.run());
    }

    /**
     * From now on a shutdown that stalls ends the process ({@link ShutdownWatchdog}): for the daemon, whose
     * signals must end it; an in-process server (tests) leaves the JVM alone.
     */
    public void exitIfShutdownStalls() {
        watchdog.arm();
    }

    /** Completes when the server has shut down. */
    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    @Override
    public void close() {
        shutdownImmediate();
        terminated.join();
    }
}
