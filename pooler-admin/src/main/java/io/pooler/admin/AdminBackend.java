package io.pooler.admin;

import io.netty.buffer.ByteBufAllocator;
import io.pooler.config.PoolerConfig;
import io.pooler.pool.PoolKey;
import io.pooler.pool.PoolSettings;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * What the admin console needs from the running pooler: snapshots to show and actions to take. The
 * daemon implements it; the console holds PgBouncer's rules (who may do what, which state allows what,
 * the error texts) and the formatting.
 *
 * <p>Snapshots are taken without touching another event loop's mutable state: pool counts under the
 * pool's lock, connection details from fields that are immutable or volatile. Actions may be called
 * from any thread. A {@code database} of null means every database.
 */
public interface AdminBackend {

    /** The PAUSE / SUSPEND state of the whole process (SHOW STATE). */
    enum PauseMode { NONE, PAUSE, SUSPEND }

    enum ShutdownMode { IMMEDIATE, WAIT_FOR_SERVERS, WAIT_FOR_CLIENTS }

    // ---- snapshots ----

    PoolerConfig config();

    /** Every pool but the console's own. */
    List<PoolView> pools();

    /** Each pool's resolved limits and timeouts, by the keys of {@link #pools()} (SHOW ADVICE). */
    Map<PoolKey, PoolSettings> poolSettings();

    /**
     * Client connections past authentication, the console's own included. Only for commands that say
     * they list clients ({@link AdminCommand#listsClients()}); the others count them with
     * {@link #clientCount()} or from {@link #pools()} and {@link #consoles()}.
     */
    List<SocketView> clients();

    /** The console sessions, which {@link #clients()} lists after the pooled clients. */
    List<SocketView> consoles();

    /** How many rows {@link #clients()} has, counted without building them. */
    default int clientCount() {
        int pooled = 0;
        for (PoolView pool : pools()) {
            pooled += pool.clientConnections();
        }
        return pooled + consoles().size();
    }

    List<SocketView> servers();

    /** Client connections still in startup or authentication. */
    int loginClients();

    /** The users of the auth file. */
    Set<String> authFileUsers();

    /** How long the current stats window has lasted, in microseconds (the divisor of the averages). */
    long statsWindowMicros();

    PauseMode pauseMode();

    boolean isShuttingDown();

    boolean isPaused(String database);

    boolean isDisabled(String database);

    /** Listening sockets and connections, for SHOW FDS. */
    List<FdView> fds();

    /** The prepared-statement caches, for SHOW MEM. */
    PreparedStatementsView preparedStatements();

    /** The intern table of clients' session parameter maps, for SHOW MEM. */
    io.pooler.protocol.ParameterMaps parameterMaps();

    /** The allocator the connections' buffers come from, for SHOW MEM. */
    ByteBufAllocator allocator();

    /** Channels the pools' multiplexed listeners LISTEN to, for SHOW LISTENERS (Pooler's own). */
    default List<ListenerView> listeners() {
        return List.of();
    }

    /** Notifications the multiplexed listeners have handed to clients since start. */
    default long notificationsDelivered() {
        return 0;
    }

    /** Cancel forwarding to each peer used so far, in peer id order (SHOW PEER_POOLS). */
    List<PeerPoolView> peerPools();

    /** The DNS cache's names, in name order (SHOW DNS_HOSTS). */
    List<DnsHostView> dnsHosts();

    /** The DNS cache's zones, in name order (SHOW DNS_ZONES). */
    List<DnsZoneView> dnsZones();

    /** DNS lookups under way (SHOW LISTS dns_queries). */
    int dnsQueriesInFlight();

    // ---- actions ----

    /** Holds new queries and closes servers as they are released; completes when none is left. */
    CompletionStage<Void> pause(String database);

    /** Stops reading from every client; completes when the output buffers are flushed. */
    CompletionStage<Void> suspend();

    /** Ends PAUSE, SUSPEND or a KILL's pause. */
    void resume(String database);

    void setDisabled(String database, boolean disabled);

    /** Closes every server of the database once it is released. */
    void reconnect(String database);

    /** Drops the database's clients and servers now and pauses it. */
    void kill(String database);

    /** Drops one client; false when there is no client with that id. */
    boolean killClient(long id);

    void shutdown(ShutdownMode mode);

    /**
     * Re-reads the config off the event loops (reading files and building TLS contexts blocks);
     * completes empty on success, else with the reason it was refused.
     */
    CompletionStage<Optional<String>> reload();

    /** Completes when no server of the database is marked close-needed any more. */
    CompletionStage<Void> waitClose(String database);

    /**
     * Changes one setting in the running config, as the file would.
     *
     * @throws IllegalArgumentException naming the reason, when the key or value is refused
     */
    void set(String key, String value);

    /**
     * After SET of a TLS key: builds the TLS contexts again from the running settings, off the event
     * loops; completes with false when they could not be applied and the old ones are still in use.
     */
    default CompletionStage<Boolean> applyTlsSettings() {
        return java.util.concurrent.CompletableFuture.completedFuture(true);
    }
}
