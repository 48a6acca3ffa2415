package io.pooler.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.Version;
import io.pooler.config.DatabaseEntry;
import io.pooler.config.Settings;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolSettingsResolver;
import io.pooler.pool.PoolSnapshot;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.server.client.ClientHandler;
import io.pooler.server.net.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The running daemon: listeners, event loops, timed maintenance, reload and the three kinds of
 * shutdown. One instance per process in production; tests run one per test in-process.
 */
public final class PoolerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PoolerServer.class);
    /** PgBouncer's janitor runs three times a second; so does ours. */
    private static final long JANITOR_PERIOD_MILLIS = 333;

    private final Path configFile;
    private final PoolerRuntime runtime;
    private final EventLoopGroup workers;
    private final ChannelGroup clientChannels = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final List<Channel> listeners = new ArrayList<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private ScheduledFuture<?> janitor;
    private ScheduledFuture<?> shutdownWatch;
    private int tcpPort = -1;

    private PoolerServer(Path configFile, RuntimeConfig config, Transport transport, int threads) {
        this.configFile = configFile;
        this.workers = transport.newGroup(threads, "pooler");
        this.runtime = new PoolerRuntime(config, transport, workers);
    }

    /** Loads the config, binds the listeners and starts serving. */
    public static PoolerServer start(Path configFile) throws Exception {
        RuntimeConfigLoader.Loaded loaded = RuntimeConfigLoader.load(configFile);
        loaded.warnings().forEach(log::warn);
        Settings s = loaded.config().config().settings();
        int threads = s.workerThreads() > 0 ? s.workerThreads() : Runtime.getRuntime().availableProcessors();
        Transport transport = Transport.best();
        PoolerServer server = new PoolerServer(configFile, loaded.config(), transport, threads);
        try {
            server.bind(s);
        } catch (Exception e) {
            server.workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
        server.janitor = server.workers.next().scheduleAtFixedRate(new Janitor(server.runtime, server.workers),
                JANITOR_PERIOD_MILLIS, JANITOR_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        log.info("{} started: {} event loops ({})", Version.STRING, threads, transport.name());
        return server;
    }

    private void bind(Settings s) throws Exception {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(workers)
                .option(ChannelOption.SO_BACKLOG, s.listenBacklog())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, s.tcpKeepalive())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        clientChannels.add(ch);
                        PgFrameDecoder decoder = PgFrameDecoder.forClient(runtime.config().config().settings().maxPacketSize());
                        ch.pipeline().addLast(decoder, new ClientHandler(runtime, decoder));
                    }
                });
        for (String addr : listenAddresses(s.listenAddr())) {
            ServerBootstrap b = bootstrap.clone().channel(runtime.transport().serverChannel());
            if (s.soReuseport() && runtime.transport().supportsUnixSockets()) {
                b.option(EpollChannelOption.SO_REUSEPORT, true);
            }
            Channel ch = b.bind(new InetSocketAddress(addr, s.listenPort())).sync().channel();
            tcpPort = ((InetSocketAddress) ch.localAddress()).getPort();
            listeners.add(ch);
            log.info("listening on {}:{}", addr, tcpPort);
        }
        String dir = s.unixSocketDir();
        if (dir != null && !dir.isBlank()) {
            if (!runtime.transport().supportsUnixSockets()) {
                log.warn("unix_socket_dir is set but unix sockets need the epoll transport; not listening on {}", dir);
            } else {
                Path socket = Path.of(dir, ".s.PGSQL." + s.listenPort());
                Files.deleteIfExists(socket);
                Channel ch = bootstrap.clone().channel(runtime.transport().serverDomainChannel())
                        .bind(new DomainSocketAddress(socket.toString())).sync().channel();
                setSocketMode(socket, s.unixSocketMode());
                listeners.add(ch);
                log.info("listening on unix:{}", socket);
            }
        }
        if (listeners.isEmpty()) {
            throw new IllegalStateException("nothing to listen on: set listen_addr or unix_socket_dir");
        }
    }

    private static List<String> listenAddresses(String listenAddr) {
        List<String> addresses = new ArrayList<>();
        if (listenAddr == null) {
            return addresses;
        }
        for (String part : listenAddr.split(",")) {
            String a = part.trim();
            if (a.equals("*")) {
                addresses.add("0.0.0.0");
            } else if (!a.isEmpty()) {
                addresses.add(a);
            }
        }
        return addresses;
    }

    private static void setSocketMode(Path socket, int mode) {
        try {
            Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString(
                    permissions(mode)));
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("could not set mode of {}: {}", socket, e.getMessage());
        }
    }

    private static String permissions(int mode) {
        String chars = "rwxrwxrwx";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (1 << (8 - i))) != 0 ? chars.charAt(i) : '-');
        }
        return sb.toString();
    }

    public PoolerRuntime runtime() {
        return runtime;
    }

    /** The TCP port bound (the first listener's), or -1 when listening only on the unix socket. */
    public int tcpPort() {
        return tcpPort;
    }

    public List<PoolSnapshot> poolSnapshots() {
        return runtime.pools().all().stream().map(Pool::snapshot).toList();
    }

    // ---- reload ----

    /**
     * Re-reads the ini and the auth file. New values apply to new logins and new server connections;
     * no connection is dropped. A broken file keeps the running config and says why.
     *
     * @return empty on success, else the reason it was refused
     */
    public Optional<String> reload() {
        RuntimeConfigLoader.Loaded loaded;
        try {
            loaded = RuntimeConfigLoader.load(configFile);
        } catch (RuntimeConfigLoader.LoadException e) {
            log.error("reload failed, keeping the running config: {}", e.getMessage());
            return Optional.of(e.getMessage());
        }
        loaded.warnings().forEach(log::warn);
        RuntimeConfig previous = runtime.config();
        runtime.swapConfig(loaded.config());
        for (Pool pool : runtime.pools().all()) {
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
     * New server TLS settings or files: connections made with the old ones are replaced, as PgBouncer
     * does, so a tightened setting takes effect without waiting for server_lifetime.
     */
    private static boolean serverTlsChanged(RuntimeConfig before, RuntimeConfig after) {
        return !before.tls().server().identity().equals(after.tls().server().identity());
    }

    /** What makes two database entries lead to the same server sessions. */
    private static String connectionIdentity(DatabaseEntry db) {
        return db.host().orElse("") + ":" + db.port() + "/" + db.dbname() + "/" + db.user().orElse("")
                + "/" + db.password().orElse("") + "/" + db.applicationName().orElse("");
    }

    // ---- pause ----

    /**
     * SIGUSR1 and PAUSE. Not implemented yet: the admin console work adds pausing to the pools;
     * until then the signal is logged and nothing else happens.
     */
    public void pause() {
        log.warn("PAUSE (SIGUSR1) is not supported yet; ignored");
    }

    /** SIGUSR2 and RESUME; see {@link #pause()}. */
    public void resume() {
        log.warn("RESUME (SIGUSR2) is not supported yet; ignored");
    }

    // ---- shutdown ----

    /** SIGINT, SHUTDOWN WAIT_FOR_SERVERS: stop accepting, let running transactions finish, then exit. */
    public void shutdownWaitForServers() {
        beginShutdown(PoolerRuntime.ShutdownMode.WAIT_FOR_SERVERS);
        for (Pool pool : runtime.pools().all()) {
            pool.closeIdleServers("shutting down");
        }
        clientChannels.forEach(ch -> ch.eventLoop().execute(() -> {
            io.pooler.server.client.ClientHandler handler = ch.pipeline().get(ClientHandler.class);
            if (handler != null) {
                handler.shutdownRequested();
            }
        }));
        watchUntil(() -> poolSnapshots().stream().allMatch(p -> p.svActive() == 0 && p.svTested() == 0));
    }

    /** SIGTERM, SHUTDOWN WAIT_FOR_CLIENTS: stop accepting, exit when the last client has left. */
    public void shutdownWaitForClients() {
        beginShutdown(PoolerRuntime.ShutdownMode.WAIT_FOR_CLIENTS);
        watchUntil(() -> runtime.clientCount().get() == 0);
    }

    /** SIGQUIT, a second SIGINT/SIGTERM: close everything now. */
    public void shutdownImmediate() {
        runtime.shutdownMode(PoolerRuntime.ShutdownMode.IMMEDIATE);
        closeListeners();
        finish();
    }

    private void beginShutdown(PoolerRuntime.ShutdownMode mode) {
        if (runtime.shutdownMode() != PoolerRuntime.ShutdownMode.NONE) {
            log.info("second shutdown request: exiting at once");
            shutdownImmediate();
            return;
        }
        log.info("shutdown requested ({})", mode);
        runtime.shutdownMode(mode);
        closeListeners();
    }

    private void watchUntil(java.util.function.BooleanSupplier done) {
        if (terminated.isDone() || shutdownWatch != null) {
            return;
        }
        shutdownWatch = workers.next().scheduleAtFixedRate(() -> {
            if (done.getAsBoolean()) {
                finish();
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
    }

    private void closeListeners() {
        for (Channel ch : listeners) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            SocketAddress local = ch.localAddress();
            if (local instanceof DomainSocketAddress unix) {
                try {
                    Files.deleteIfExists(Path.of(unix.path()));
                } catch (IOException e) {
                    log.debug("could not remove {}", unix.path());
                }
            }
        }
        listeners.clear();
    }

    private synchronized void finish() {
        if (terminated.isDone()) {
            return;
        }
        if (janitor != null) {
            janitor.cancel(false);
        }
        if (shutdownWatch != null) {
            shutdownWatch.cancel(false);
        }
        clientChannels.close();
        for (Pool pool : runtime.pools().all()) {
            pool.servers().forEach(s -> s.close("shutdown"));
            pool.closeIdleServers("shutdown");
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> terminated.complete(null));
        log.info("shutdown complete");
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
