package io.pooler.server;

import io.netty.channel.EventLoopGroup;
import io.pooler.auth.PlainScramVerifiers;
import io.pooler.config.DatabaseEntry;
import io.pooler.pool.ConnectionLimits;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolKey;
import io.pooler.pool.PoolLimits;
import io.pooler.pool.PoolRegistry;
import io.pooler.pool.PoolSettingsResolver;
import io.pooler.server.admin.AdminState;
import io.pooler.server.admin.ServerAdminBackend;
import io.pooler.server.backend.BackendConnector;
import io.pooler.server.backend.PassThroughCredentials;
import io.pooler.server.client.CancelRegistry;
import io.pooler.server.net.Transport;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every connection of the process shares: the current config snapshot, the pools, the client
 * count for max_client_conn, cancel keys and the credentials learnt from clients for logging in to
 * PostgreSQL. Everything here is either immutable or safe to use from any event loop.
 */
public final class PoolerRuntime {
    private final AtomicReference<RuntimeConfig> config;
    private final PoolRegistry pools = new PoolRegistry();
    private final ConnectionLimits limits = new ConnectionLimits();
    private final io.pooler.protocol.prepared.StatementRegistry statementRegistry = new io.pooler.protocol.prepared.StatementRegistry();
    private final io.pooler.protocol.ParameterMaps parameterMaps = new io.pooler.protocol.ParameterMaps();
    private final io.pooler.server.listen.ListenerHubs listenerHubs = new io.pooler.server.listen.ListenerHubs();
    private final AtomicInteger clientCount = new AtomicInteger();
    private final CancelRegistry cancelRegistry = new CancelRegistry(() -> config().config().settings().peerId());
    private final PassThroughCredentials passThrough = new PassThroughCredentials();
    private final byte[] processSecret = new byte[32];
    private final Transport transport;
    private final EventLoopGroup workers;
    private final BackendConnector backendConnector;
    private final io.pooler.server.peers.PeerPools peers;
    private volatile ShutdownMode shutdownMode = ShutdownMode.NONE;
    /** When the first shutdown request came ({@link System#nanoTime()}), 0 before. */
    private volatile long shutdownStartedNanos;
    private final AdminState admin = new AdminState();
    private volatile ServerAdminBackend adminBackend;

    /** How the process is going down, if it is. */
    public enum ShutdownMode { NONE, WAIT_FOR_SERVERS, WAIT_FOR_CLIENTS, IMMEDIATE }

    public PoolerRuntime(RuntimeConfig initial, Transport transport, EventLoopGroup workers) {
        this.config = new AtomicReference<>(initial);
        this.transport = transport;
        this.workers = workers;
        this.backendConnector = new BackendConnector(this);
        this.peers = new io.pooler.server.peers.PeerPools(backendConnector, workers, () -> config().config());
        new SecureRandom().nextBytes(processSecret);
        warmScramVerifiers(initial);
    }

    public RuntimeConfig config() {
        return config.get();
    }

    public void swapConfig(RuntimeConfig next) {
        warmScramVerifiers(next);
        config.set(next);
    }

    /**
     * Derives the SCRAM verifiers of the userlist's plain-text passwords before any login can use the
     * config, so that no login runs PBKDF2 (see {@link PlainScramVerifiers}). Already derived ones are
     * kept, so a reload costs only for new or changed passwords.
     */
    private void warmScramVerifiers(RuntimeConfig rc) {
        if (rc.userlist() != null) {
            PlainScramVerifiers.shared().warm(rc.userlist(), processSecret, rc.config().settings().scramIterations());
        }
    }

    public PoolRegistry pools() {
        return pools;
    }

    /** The pool for this database entry and server-side user, created with the current settings on first use. */
    public Pool pool(DatabaseEntry db, String database, String serverUser) {
        PoolKey key = new PoolKey(database, serverUser);
        return pools.getOrCreate(key, k -> newPool(k, db, database, serverUser));
    }

    private Pool newPool(PoolKey key, DatabaseEntry db, String database, String serverUser) {
        Pool pool = new Pool(key, PoolSettingsResolver.resolve(config().config(), db, serverUser), backendConnector,
                new PoolLimits(limits.serversOfDatabase(database), limits.serversOfUser(serverUser),
                        starved -> closeIdleServerOf(starved, other -> other.key().database().equals(database)),
                        starved -> closeIdleServerOf(starved, other -> other.key().user().equals(serverUser))));
        if (admin.holdsQueries(key.database())) {
            pool.pause(); // a new pool of a paused database starts paused
        }
        admin.poolCreated(pool);
        return pool;
    }

    /**
     * A shared limit is full for {@code starved}: free a slot held by an idle server of a related pool.
     * Each related pool's shards look on their own loops; the shared claim lets only one close a server.
     */
    private boolean closeIdleServerOf(Pool starved, java.util.function.Predicate<Pool> related) {
        java.util.concurrent.atomic.AtomicBoolean claim = new java.util.concurrent.atomic.AtomicBoolean();
        boolean asked = false;
        for (Pool other : pools.all()) {
            if (other != starved && related.test(other)) {
                other.closeOneIdleServer(claim);
                asked = true;
            }
        }
        return asked;
    }

    /** The pools' LISTEN multiplexers. */
    public io.pooler.server.listen.ListenerHubs listenerHubs() {
        return listenerHubs;
    }

    /** Server-side names of prepared statements, shared by every pool. */
    public io.pooler.protocol.prepared.StatementRegistry statementRegistry() {
        return statementRegistry;
    }

    /** Clients' session parameter maps, one instance per distinct set of values (an idle client costs little). */
    public io.pooler.protocol.ParameterMaps parameterMaps() {
        return parameterMaps;
    }

    public ConnectionLimits limits() {
        return limits;
    }

    /** PAUSE/SUSPEND state, disabled databases, console sessions, the stats window. */
    public AdminState admin() {
        return admin;
    }

    /** What the admin console acts through; set once by the server at start. */
    public ServerAdminBackend adminBackend() {
        return adminBackend;
    }

    void adminBackend(ServerAdminBackend backend) {
        this.adminBackend = backend;
    }

    public AtomicInteger clientCount() {
        return clientCount;
    }

    public CancelRegistry cancelRegistry() {
        return cancelRegistry;
    }

    public PassThroughCredentials passThrough() {
        return passThrough;
    }

    /** Random per process; salts the mock SCRAM exchange for unknown users. */
    public byte[] processSecret() {
        return processSecret.clone();
    }

    public Transport transport() {
        return transport;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    public BackendConnector backendConnector() {
        return backendConnector;
    }

    /** Cancel requests on their way to other poolers of [peers]. */
    public io.pooler.server.peers.PeerPools peers() {
        return peers;
    }

    public ShutdownMode shutdownMode() {
        return shutdownMode;
    }

    public void shutdownMode(ShutdownMode mode) {
        if (shutdownStartedNanos == 0 && mode != ShutdownMode.NONE) {
            shutdownStartedNanos = System.nanoTime() | 1; // never 0: 0 means "not shutting down"
        }
        this.shutdownMode = mode;
    }

    /**
     * True when a connection accepted at {@code acceptedNanos} ({@link System#nanoTime()}) arrived before
     * the shutdown began; during WAIT_FOR_CLIENTS such a login under way is still served.
     */
    public boolean acceptedBeforeShutdown(long acceptedNanos) {
        long started = shutdownStartedNanos;
        return started == 0 || acceptedNanos - started < 0;
    }
}
