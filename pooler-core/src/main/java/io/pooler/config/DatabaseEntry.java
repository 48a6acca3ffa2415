package io.pooler.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One {@code [databases]} entry: where a client-side database name is routed and the pool settings that
 * override the global ones. Immutable. Unset options are empty; the global setting then applies.
 */
public final class DatabaseEntry {

    /** PgBouncer's name for the fallback entry. */
    static final String FALLBACK_NAME = "*";
    private static final int DEFAULT_PORT = 5432;

    private final String name;
    /** {@code dbname=} as written, or {@code null}: the client-side name is then used. */
    private final String explicitDbname;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String authUser;
    private final String authQuery;
    private final String authDbname;
    private final Integer poolSize;
    private final Integer reservePoolSize;
    private final Integer maxDbConnections;
    private final Integer minPoolSize;
    private final Integer maxDbClientConnections;
    private final PoolMode poolMode;
    private final Boolean pinOnSessionState;
    private final Boolean listenMultiplex;
    private final String applicationName;
    private final String clientEncoding;
    private final String datestyle;
    private final String timezone;
    private final Duration serverLifetime;
    private final Duration queryWaitTimeout;
    private final LoadBalanceHosts loadBalanceHosts;
    private final String connectQuery;
    private final boolean fallback;

    /** Builds an entry from parameters parsed by {@link EntryParams} against the database key table. */
    DatabaseEntry(String name, Map<String, Object> params) {
        this.name = name;
        this.fallback = FALLBACK_NAME.equals(name);
        this.explicitDbname = (String) params.get("dbname");
        this.host = (String) params.get("host");
        this.port = params.containsKey("port") ? toInt(params.get("port")) : DEFAULT_PORT;
        this.user = (String) params.get("user");
        this.password = (String) params.get("password");
        this.authUser = (String) params.get("auth_user");
        this.authQuery = (String) params.get("auth_query");
        this.authDbname = (String) params.get("auth_dbname");
        this.poolSize = optionalInt(params.get("pool_size"));
        this.reservePoolSize = optionalInt(params.get("reserve_pool_size"));
        this.maxDbConnections = optionalInt(params.get("max_db_connections"));
        this.minPoolSize = optionalInt(params.get("min_pool_size"));
        this.maxDbClientConnections = optionalInt(params.get("max_db_client_connections"));
        String mode = (String) params.get("pool_mode");
        this.poolMode = mode == null ? null : PoolMode.parse(mode);
        this.pinOnSessionState = (Boolean) params.get("pin_on_session_state");
        this.listenMultiplex = (Boolean) params.get("listen_multiplex");
        this.applicationName = (String) params.get("application_name");
        this.clientEncoding = (String) params.get("client_encoding");
        this.datestyle = (String) params.get("datestyle");
        this.timezone = (String) params.get("timezone");
        this.serverLifetime = (Duration) params.get("server_lifetime");
        this.queryWaitTimeout = (Duration) params.get("query_wait_timeout");
        String balance = (String) params.get("load_balance_hosts");
        this.loadBalanceHosts = balance == null ? LoadBalanceHosts.ROUND_ROBIN : LoadBalanceHosts.parse(balance);
        this.connectQuery = (String) params.get("connect_query");
    }

    private DatabaseEntry(DatabaseEntry from, String name, String explicitDbname) {
        this.name = name;
        this.explicitDbname = explicitDbname;
        this.fallback = from.fallback;
        this.host = from.host;
        this.port = from.port;
        this.user = from.user;
        this.password = from.password;
        this.authUser = from.authUser;
        this.authQuery = from.authQuery;
        this.authDbname = from.authDbname;
        this.poolSize = from.poolSize;
        this.reservePoolSize = from.reservePoolSize;
        this.maxDbConnections = from.maxDbConnections;
        this.minPoolSize = from.minPoolSize;
        this.maxDbClientConnections = from.maxDbClientConnections;
        this.poolMode = from.poolMode;
        this.pinOnSessionState = from.pinOnSessionState;
        this.listenMultiplex = from.listenMultiplex;
        this.applicationName = from.applicationName;
        this.clientEncoding = from.clientEncoding;
        this.datestyle = from.datestyle;
        this.timezone = from.timezone;
        this.serverLifetime = from.serverLifetime;
        this.queryWaitTimeout = from.queryWaitTimeout;
        this.loadBalanceHosts = from.loadBalanceHosts;
        this.connectQuery = from.connectQuery;
    }

    /** PgBouncer's {@code connect_query}: run on each new server connection before any client uses it. */
    public Optional<String> connectQuery() {
        return Optional.ofNullable(connectQuery).filter(q -> !q.isEmpty());
    }

    /** As written; PgBouncer applies it only when above 0 (0 means the global server_lifetime). */
    public Optional<Duration> serverLifetime() {
        return Optional.ofNullable(serverLifetime);
    }

    /** As written; when set it wins over the global value, 0 included; a [users] value wins over it. */
    public Optional<Duration> queryWaitTimeout() {
        return Optional.ofNullable(queryWaitTimeout);
    }

    /** The client-side database name: the key in {@code [databases]}, or the requested name for the fallback. */
    public String name() {
        return name;
    }

    /**
     * The server-side database name: {@code dbname=} if given, else {@link #name()}. For the raw {@code *}
     * entry without {@code dbname=} that is {@code *}; {@link PoolerConfig#findDatabase} gives the entry as
     * it serves a requested name.
     */
    public String dbname() {
        return explicitDbname != null ? explicitDbname : name;
    }

    /** {@code host=}: a host name, an address, a comma-separated list, or a Unix socket directory. */
    public Optional<String> host() {
        return Optional.ofNullable(host);
    }

    /**
     * The hosts of {@code host=}, split at commas in the order written (PgBouncer 1.24+ host lists); one
     * element for a single host; empty when no host is set (the Unix socket in {@code unix_socket_dir}).
     * Every host uses {@link #port()}: PgBouncer has no per-host ports.
     */
    public List<String> hosts() {
        if (host == null) {
            return List.of();
        }
        return Arrays.stream(host.split(",", -1)).map(String::trim).filter(h -> !h.isEmpty()).toList();
    }

    /** {@code load_balance_hosts=}: how a host of {@link #hosts()} is picked; round-robin unless set. */
    public LoadBalanceHosts loadBalanceHosts() {
        return loadBalanceHosts;
    }

    /** {@code port=}, 5432 by default; with a Unix socket it picks the socket file {@code .s.PGSQL.<port>}. */
    public int port() {
        return port;
    }

    /** {@code user=}: every server connection logs in as this user, so the database has one pool. */
    public Optional<String> user() {
        return Optional.ofNullable(user);
    }

    /** {@code password=} for the forced user; without it the password comes from {@code auth_file}. */
    public Optional<String> password() {
        return Optional.ofNullable(password);
    }

    /** {@code auth_user=}: overrides the global {@code auth_user} for this database. */
    public Optional<String> authUser() {
        return Optional.ofNullable(authUser);
    }

    /** {@code auth_query=}: overrides the global {@code auth_query} for this database. */
    public Optional<String> authQuery() {
        return Optional.ofNullable(authQuery);
    }

    /** {@code auth_dbname=}: the {@code [databases]} entry whose server runs this database's auth_query. */
    public Optional<String> authDbname() {
        return Optional.ofNullable(authDbname);
    }

    public OptionalInt poolSize() {
        return toOptionalInt(poolSize);
    }

    public OptionalInt reservePoolSize() {
        return toOptionalInt(reservePoolSize);
    }

    public OptionalInt minPoolSize() {
        return toOptionalInt(minPoolSize);
    }

    public OptionalInt maxDbClientConnections() {
        return toOptionalInt(maxDbClientConnections);
    }

    public OptionalInt maxDbConnections() {
        return toOptionalInt(maxDbConnections);
    }

    public Optional<PoolMode> poolMode() {
        return Optional.ofNullable(poolMode);
    }

    /** Pooler's own {@code listen_multiplex} for this entry; empty when not given. */
    public Optional<Boolean> listenMultiplex() {
        return Optional.ofNullable(listenMultiplex);
    }

    /** Pooler's own {@code pin_on_session_state} for this entry; empty when not given. */
    public Optional<Boolean> pinOnSessionState() {
        return Optional.ofNullable(pinOnSessionState);
    }

    /** {@code application_name=} sent to the server at connect time. */
    public Optional<String> applicationName() {
        return Optional.ofNullable(applicationName);
    }

    public Optional<String> clientEncoding() {
        return Optional.ofNullable(clientEncoding);
    }

    public Optional<String> datestyle() {
        return Optional.ofNullable(datestyle);
    }

    public Optional<String> timezone() {
        return Optional.ofNullable(timezone);
    }

    /** {@code true} for the {@code *} entry and for entries made from it for a requested name. */
    public boolean isFallback() {
        return fallback;
    }

    /** A copy with {@code dbname} replaced; everything else, including {@link #name()}, stays. */
    public DatabaseEntry withDbname(String dbname) {
        return new DatabaseEntry(this, name, Objects.requireNonNull(dbname));
    }

    /**
     * {@code true} if server connections go over a Unix socket: no host (PgBouncer's default, using
     * {@code unix_socket_dir}), a directory ({@code /...}) or an abstract-namespace name ({@code @...}).
     */
    public boolean isUnixSocket() {
        return host == null || host.startsWith("/") || host.startsWith("@");
    }

    /** The fallback entry as it serves {@code requested}: named so, and connecting to it unless {@code dbname=} was set. */
    DatabaseEntry forRequestedName(String requested) {
        return new DatabaseEntry(this, requested, explicitDbname);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DatabaseEntry other
                && name.equals(other.name) && Objects.equals(explicitDbname, other.explicitDbname)
                && Objects.equals(host, other.host) && port == other.port
                && Objects.equals(user, other.user) && Objects.equals(password, other.password)
                && Objects.equals(authUser, other.authUser) && Objects.equals(poolSize, other.poolSize)
                && Objects.equals(authQuery, other.authQuery) && Objects.equals(authDbname, other.authDbname)
                && Objects.equals(reservePoolSize, other.reservePoolSize)
                && Objects.equals(maxDbConnections, other.maxDbConnections) && poolMode == other.poolMode
                && Objects.equals(pinOnSessionState, other.pinOnSessionState)
                && Objects.equals(listenMultiplex, other.listenMultiplex)
                && Objects.equals(minPoolSize, other.minPoolSize)
                && Objects.equals(maxDbClientConnections, other.maxDbClientConnections)
                && Objects.equals(applicationName, other.applicationName)
                && Objects.equals(clientEncoding, other.clientEncoding)
                && Objects.equals(datestyle, other.datestyle) && Objects.equals(timezone, other.timezone)
                && Objects.equals(serverLifetime, other.serverLifetime)
                && Objects.equals(queryWaitTimeout, other.queryWaitTimeout)
                && Objects.equals(connectQuery, other.connectQuery)
                && loadBalanceHosts == other.loadBalanceHosts && fallback == other.fallback;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, explicitDbname, host, port, user);
    }

    /** Leaves the password out: this ends up in logs. */
    @Override
    public String toString() {
        return "DatabaseEntry[" + name + " -> dbname=" + dbname() + " host=" + (host == null ? "(unix socket)" : host)
                + " port=" + port + (user == null ? "" : " user=" + user) + "]";
    }

    private static int toInt(Object parsed) {
        return Math.toIntExact((Long) parsed);
    }

    private static Integer optionalInt(Object parsed) {
        return parsed == null ? null : toInt(parsed);
    }

    private static OptionalInt toOptionalInt(Integer value) {
        return value == null ? OptionalInt.empty() : OptionalInt.of(value);
    }
}
