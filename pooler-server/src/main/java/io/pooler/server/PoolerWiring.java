package io.pooler.server;

import io.netty.channel.EventLoopGroup;
import io.pooler.pool.ConnectionLimits;
import io.pooler.pool.PoolRegistry;
import io.pooler.protocol.ParameterMaps;
import io.pooler.protocol.prepared.ByteBudget;
import io.pooler.protocol.prepared.ServerStatements;
import io.pooler.protocol.prepared.StatementBudget;
import io.pooler.protocol.prepared.StatementRegistry;
import io.pooler.server.admin.AdminState;
import io.pooler.server.admin.ServerAdminBackend;
import io.pooler.server.admin.StatsTicker;
import io.pooler.server.backend.BackendConnector;
import io.pooler.server.backend.PassThroughCredentials;
import io.pooler.server.backend.PoolMaker;
import io.pooler.server.client.CancelForwarder;
import io.pooler.server.client.CancelRegistry;
import io.pooler.server.client.ClientChannels;
import io.pooler.server.client.ClientServices;
import io.pooler.server.client.Console;
import io.pooler.server.client.LoginServices;
import io.pooler.server.client.WaitingBudget;
import io.pooler.server.listen.ListenerHubs;
import io.pooler.server.net.Transport;
import io.pooler.server.peers.PeerPools;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The composition root: makes, once per process, what its connections share (the config in force, the
 * pools, limits, cancel keys, the admin state...) and gives each component, in its constructor, only the
 * collaborators it uses. Nothing receives this object: {@link PoolerServer} builds it and starts and stops
 * the parts; the relay tests build one to run the real client classes without a server.
 *
 * <p>Threads: the parts are immutable, atomic or safe from any event loop.
 */
public final class PoolerWiring {
    final ProcessSecret processSecret = new ProcessSecret();
    final CurrentConfig config;
    final ShutdownState shutdown = new ShutdownState();
    /** PAUSE/SUSPEND state, disabled databases, console sessions, the stats window. */
    final AdminState admin = new AdminState();
    final PoolRegistry pools = new PoolRegistry();
    final AtomicInteger clientCount = new AtomicInteger();
    /** Server-side names of prepared statements, shared by every pool. */
    final StatementRegistry statementRegistry = new StatementRegistry();
    /** The bytes of statement text all servers' caches keep together (ServerStatements; SHOW MEM). */
    final ByteBudget serverStatementBytes = ServerStatements.budgetFromSystemProperties();
    /** Clients' session parameter maps, one instance per distinct set of values (an idle client costs little). */
    final ParameterMaps parameterMaps = new ParameterMaps();
    /** The pools' LISTEN multiplexers. */
    final ListenerHubs listenerHubs = new ListenerHubs();
    final Transport transport;
    final EventLoopGroup workers;
    final BackendConnector backendConnector;
    final PoolMaker poolMaker;
    final ConnectionLimits limits = new ConnectionLimits();
    private final CancelRegistry cancelRegistry;
    /** Credentials learnt from clients, for logging in to PostgreSQL where the config has no password. */
    private final PassThroughCredentials passThrough = new PassThroughCredentials();
    /** Cancel requests on their way to other poolers of [peers]. */
    private final PeerPools peers;

    public PoolerWiring(RuntimeConfig initial, Transport transport, EventLoopGroup workers) {
        this.config = new CurrentConfig(initial, processSecret);
        this.transport = transport;
        this.workers = workers;
        this.cancelRegistry = new CancelRegistry(() -> config.get().config().settings().peerId());
        this.backendConnector = new BackendConnector(workers, transport, config, passThrough, pools,
                serverStatementBytes);
        this.peers = new PeerPools(backendConnector, workers, () -> config.get().config());
        this.poolMaker = new PoolMaker(pools, config, backendConnector, limits, admin);
    }

    /** The client side: one handler per accepted connection. {@code consoles} makes admin console sessions. */
    public ClientChannels clientChannels(Console.Opener consoles) {
        ClientServices services = new ClientServices(config, clientCount, shutdown, cancelRegistry, parameterMaps,
                statementRegistry, () -> config.get().config().settings().maxPreparedStatements(),
                StatementBudget.fromSystemProperties(), listenerHubs,
                WaitingBudget.fromSystemProperties(), admin.errors(), admin);
        LoginServices login = new LoginServices(poolMaker, limits, passThrough, processSecret, admin, consoles,
                new CancelForwarder(config, peers, cancelRegistry, backendConnector));
        return new ClientChannels(services, login);
    }

    /** What the admin console acts through, on {@code server}'s listeners, reload and shutdown. */
    ServerAdminBackend adminBackend(PoolerServer server) {
        return new ServerAdminBackend(server, admin, config, pools, listenerHubs, clientCount, shutdown, peers,
                backendConnector.dns(), statementRegistry, serverStatementBytes, parameterMaps, workers);
    }

    StatsTicker statsTicker() {
        return new StatsTicker(config, pools, admin, workers);
    }

    Janitor janitor() {
        return new Janitor(config, shutdown, pools, poolMaker, workers);
    }

    /** The config snapshot in force. */
    public RuntimeConfig config() {
        return config.get();
    }

    /** Every pool of the process. */
    public PoolRegistry pools() {
        return pools;
    }
}
