package io.pooler.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code [pgbouncer]} section with every default filled in. Immutable. One getter per key Pooler acts on,
 * named after the key; {@link #raw(String)} reaches every other key. Times are {@link Duration}s where
 * {@code ZERO} means "disabled" wherever PgBouncer says 0 disables.
 */
public final class Settings {

    /** Canonical key name to parsed value (see {@link ValueParsers#parse}); {@code null} for unset text keys. */
    private final Map<String, Object> values;
    /** Canonical key name to SHOW CONFIG text. */
    private final Map<String, String> shown;
    /** Directory of the main configuration file; relative file names are resolved against it. */
    private final Path baseDirectory;
    private final Set<String> ignoreStartupParameters;
    /** Parsed once: every login asks for it. */
    private final AuthType authType;
    /** Read once: every transaction's end in transaction pooling asks for it. */
    private final boolean serverResetQueryAlways;

    Settings(Map<String, Object> values, Map<String, String> shown, Path baseDirectory) {
        // Not Map.copyOf: unset text keys map to null, as PgBouncer shows NULL for them.
        this.values = Collections.unmodifiableMap(new HashMap<>(values));
        this.shown = Collections.unmodifiableMap(new HashMap<>(shown));
        this.baseDirectory = baseDirectory;
        this.ignoreStartupParameters = list("ignore_startup_parameters").stream()
                .map(name -> name.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.authType = AuthType.parse(string("auth_type"));
        this.serverResetQueryAlways = bool("server_reset_query_always");
    }

    /** Addresses to listen on for TCP, comma-separated, {@code *} for all; empty (the default) means no TCP. */
    public String listenAddr() {
        return string("listen_addr");
    }

    public int listenPort() {
        return integer("listen_port");
    }

    /** Directory of the listening Unix socket; empty disables it. */
    public String unixSocketDir() {
        return string("unix_socket_dir");
    }

    /** Group to give the Unix socket file; empty if not set. */
    public Optional<String> unixSocketGroup() {
        return Optional.ofNullable(string("unix_socket_group")).filter(name -> !name.isEmpty());
    }

    /** File mode of the Unix socket, e.g. {@code 0777} (511). */
    public int unixSocketMode() {
        return integer("unix_socket_mode");
    }

    public AuthType authType() {
        return authType;
    }

    /** The userlist file, resolved against the configuration file's directory; empty if not set. */
    public Optional<Path> authFile() {
        return path("auth_file");
    }

    /** The {@code auth_hba_file}, resolved against the configuration file's directory; empty if not set. */
    public Optional<Path> authHbaFile() {
        return path("auth_hba_file");
    }

    /** The {@code auth_ident_file} (user name maps for hba {@code map=}), resolved like auth_file; empty if not set. */
    public Optional<Path> authIdentFile() {
        return path("auth_ident_file");
    }

    /** The user whose server connections look up users missing from {@code auth_file}; empty if not set. */
    public Optional<String> authUser() {
        return Optional.ofNullable(string("auth_user")).filter(name -> !name.isEmpty());
    }

    /** The lookup query; {@code $1} is the user name, the result is (name, secret). */
    public String authQuery() {
        return string("auth_query");
    }

    /** The {@code [databases]} entry the lookup runs in; empty means the client's own database. */
    public Optional<String> authDbname() {
        return Optional.ofNullable(string("auth_dbname")).filter(name -> !name.isEmpty());
    }

    public List<String> adminUsers() {
        return list("admin_users");
    }

    public List<String> statsUsers() {
        return list("stats_users");
    }

    public PoolMode poolMode() {
        return PoolMode.parse(string("pool_mode"));
    }

    public int maxClientConn() {
        return integer("max_client_conn");
    }

    /** Server connections per user/database pair; 0 means no limit (PgBouncer 1.24+). */
    public int defaultPoolSize() {
        return integer("default_pool_size");
    }

    public int minPoolSize() {
        return integer("min_pool_size");
    }

    public int reservePoolSize() {
        return integer("reserve_pool_size");
    }

    public Duration reservePoolTimeout() {
        return duration("reserve_pool_timeout");
    }

    /** 0 means unlimited. */
    public int maxDbConnections() {
        return integer("max_db_connections");
    }

    /** 0 means unlimited. */
    public int maxUserConnections() {
        return integer("max_user_connections");
    }

    public String serverResetQuery() {
        return string("server_reset_query");
    }

    public boolean serverResetQueryAlways() {
        return serverResetQueryAlways;
    }

    /** 0 means a server connection is used once. */
    public Duration serverLifetime() {
        return duration("server_lifetime");
    }

    public Duration serverIdleTimeout() {
        return duration("server_idle_timeout");
    }

    /** How long a pool of a database made from the {@code *} entry may go unused before it is freed. */
    public Duration autodbIdleTimeout() {
        return duration("autodb_idle_timeout");
    }

    public Duration serverConnectTimeout() {
        return duration("server_connect_timeout");
    }

    /**
     * This process's id in a group of peered poolers, 1 to 16383; 0 (the default) disables peering. The
     * id is written into every BackendKeyData this process hands out, so a peer that receives the cancel
     * request knows where to forward it.
     */
    public int peerId() {
        return integer("peer_id");
    }

    /** How long a successful DNS lookup is cached; the record's own TTL is ignored, as PgBouncer does. */
    public Duration dnsMaxTtl() {
        return duration("dns_max_ttl");
    }

    /** How long a failed lookup (NXDOMAIN or any error) is cached. */
    public Duration dnsNxdomainTtl() {
        return duration("dns_nxdomain_ttl");
    }

    /** How often each zone's SOA serial is checked; a changed serial looks its host names up again. ZERO: never. */
    public Duration dnsZoneCheckPeriod() {
        return duration("dns_zone_check_period");
    }

    /** A resolv.conf to read name servers from instead of the system's; empty if not set. */
    public Optional<Path> resolvConf() {
        return path("resolv_conf");
    }

    public Duration serverLoginRetry() {
        return duration("server_login_retry");
    }

    public Duration clientLoginTimeout() {
        return duration("client_login_timeout");
    }

    /** How long SUSPEND waits for the clients' output to drain before it closes those still behind; 0: for ever. */
    public Duration suspendTimeout() {
        return duration("suspend_timeout");
    }

    public Duration queryTimeout() {
        return duration("query_timeout");
    }

    public Duration clientIdleTimeout() {
        return duration("client_idle_timeout");
    }

    public Duration idleTransactionTimeout() {
        return duration("idle_transaction_timeout");
    }

    public Duration transactionTimeout() {
        return duration("transaction_timeout");
    }

    public Duration cancelWaitTimeout() {
        return duration("cancel_wait_timeout");
    }

    public Duration serverCheckDelay() {
        return duration("server_check_delay");
    }

    /** Empty means PgBouncer's default: an empty query. */
    public String serverCheckQuery() {
        String q = string("server_check_query");
        return q == null || q.equals("<empty>") ? "" : q;
    }

    /** Per server, in transaction and statement pooling; 0 turns prepared statement tracking off. */
    public int maxPreparedStatements() {
        return integer("max_prepared_statements");
    }

    public int maxDbClientConnections() {
        return integer("max_db_client_connections");
    }

    public int maxUserClientConnections() {
        return integer("max_user_client_connections");
    }

    public Duration queryWaitTimeout() {
        return duration("query_wait_timeout");
    }

    /** Startup parameters to accept and ignore, lower-cased. */
    public Set<String> ignoreStartupParameters() {
        return ignoreStartupParameters;
    }

    /** Parameters tracked per client on top of PgBouncer's fixed set, as written (e.g. {@code IntervalStyle}). */
    public List<String> trackExtraParameters() {
        return list("track_extra_parameters");
    }

    /**
     * Largest packet let through. PgBouncer reads an unsigned int; a protocol length is a signed int32, so
     * larger settings mean "no limit" and are capped here.
     */
    public int maxPacketSize() {
        return (int) Math.min((Long) values.get("max_packet_size"), Integer.MAX_VALUE);
    }

    /** Pooler's cap on a message it must accumulate whole to parse (see the protocol package). */
    public int maxParsedMessageSize() {
        return (int) Math.min((Long) values.get("max_parsed_message_size"), Integer.MAX_VALUE);
    }

    /** Resolved against the configuration file's directory; empty if not set. */
    public Optional<Path> pidfile() {
        return path("pidfile");
    }

    /** Resolved against the configuration file's directory; empty if not set. */
    public Optional<Path> logfile() {
        return path("logfile");
    }

    /** Also log to syslog. */
    public boolean syslog() {
        return bool("syslog");
    }

    /** Program name on syslog lines; PgBouncer's default {@code pgbouncer} keeps log filters working. */
    public String syslogIdent() {
        return string("syslog_ident");
    }

    /** Syslog facility: auth, authpriv, daemon, user or local0 to local7. */
    public String syslogFacility() {
        return string("syslog_facility");
    }

    public boolean logConnections() {
        return bool("log_connections");
    }

    public boolean logDisconnections() {
        return bool("log_disconnections");
    }

    public boolean logPoolerErrors() {
        return bool("log_pooler_errors");
    }

    /** Idle servers are lent in turn (oldest first) instead of the most recently used first; PgBouncer's server_round_robin. */
    public boolean serverRoundRobin() {
        return bool("server_round_robin");
    }

    /** Clients may not send a simple Query (only the extended protocol); PgBouncer's disable_pqexec. */
    public boolean disablePqexec() {
        return bool("disable_pqexec");
    }

    /** Like {@code -v} on the command line; 0 when not set. */
    public int verbose() {
        return integer("verbose");
    }

    public Duration statsPeriod() {
        return Duration.ofSeconds(integer("stats_period"));
    }

    public int listenBacklog() {
        return integer("listen_backlog");
    }

    public boolean tcpKeepalive() {
        return bool("tcp_keepalive");
    }

    /**
     * A server marked close-needed (RECONNECT, a RELOAD that changes its database, a DNS change) that is
     * held by a client between transactions is closed at once, with its client, instead of at the
     * session's end.
     */
    public boolean serverFastClose() {
        return bool("server_fast_close");
    }

    /** Seconds a client waits for a server before it is sent a NOTICE that it is queued; 0: never. */
    public int queryWaitNotify() {
        return integer("query_wait_notify");
    }

    /** TCP_DEFER_ACCEPT on the TCP listeners: a connection is accepted once its first bytes are in. */
    public boolean tcpDeferAccept() {
        return bool("tcp_defer_accept");
    }

    /** Idle seconds before the first keepalive probe (TCP_KEEPIDLE); 0: the operating system's. */
    public int tcpKeepidle() {
        return integer("tcp_keepidle");
    }

    /** Seconds between keepalive probes (TCP_KEEPINTVL); 0: the operating system's. */
    public int tcpKeepintvl() {
        return integer("tcp_keepintvl");
    }

    /** Unanswered keepalive probes before the connection is dropped (TCP_KEEPCNT); 0: the operating system's. */
    public int tcpKeepcnt() {
        return integer("tcp_keepcnt");
    }

    /** Milliseconds sent data may stay unacknowledged before the connection is dropped; 0: the system's. */
    public int tcpUserTimeout() {
        return integer("tcp_user_timeout");
    }

    /** SO_SNDBUF and SO_RCVBUF of every TCP socket, in bytes; 0: the kernel's autotuning. */
    public int tcpSocketBuffer() {
        return integer("tcp_socket_buffer");
    }

    /** A NOTICE sent to every client in its welcome, after BackendKeyData (PgBouncer's master); empty: none. */
    public Optional<String> loginNotifyMessage() {
        return Optional.ofNullable(string("login_notify_message")).filter(message -> !message.isEmpty());
    }

    public boolean soReuseport() {
        return bool("so_reuseport");
    }

    public boolean applicationNameAddHost() {
        return bool("application_name_add_host");
    }

    /** Unix user to run as; empty if not set. */
    public Optional<String> user() {
        return Optional.ofNullable(string("user")).filter(name -> !name.isEmpty());
    }

    /** TLS for connections from clients; {@link SslMode#DISABLE} (the default) answers every SSLRequest with no. */
    public SslMode clientTlsSslmode() {
        return SslMode.parse(string("client_tls_sslmode"));
    }

    /** Pooler's private key for client connections (PEM), resolved against the configuration file's directory. */
    public Optional<Path> clientTlsKeyFile() {
        return path("client_tls_key_file");
    }

    /** Pooler's certificate (chain) for client connections (PEM). */
    public Optional<Path> clientTlsCertFile() {
        return path("client_tls_cert_file");
    }

    /** The CA certificates client certificates are checked against (PEM). */
    public Optional<Path> clientTlsCaFile() {
        return path("client_tls_ca_file");
    }

    /** TLS versions allowed for clients, as PgBouncer writes them ({@code secure}, {@code tlsv1.2,tlsv1.3}...). */
    public String clientTlsProtocols() {
        return string("client_tls_protocols");
    }

    /** Curves for the client side's key exchange: {@code auto} (the default) or a list of names. */
    public String clientTlsEcdhcurve() {
        return string("client_tls_ecdhcurve");
    }

    /** TLS 1.2 cipher suites allowed for clients: {@code default}, {@code all} or a list of names. */
    public String clientTlsCiphers() {
        return string("client_tls_ciphers");
    }

    /** The TLS 1.3 suites allowed from clients; empty: TLS 1.3's defaults. */
    public String clientTls13Ciphers() {
        return Optional.ofNullable(string("client_tls13_ciphers")).orElse("");
    }

    /** TLS for connections to PostgreSQL; PgBouncer's default is {@link SslMode#PREFER}. */
    public SslMode serverTlsSslmode() {
        return SslMode.parse(string("server_tls_sslmode"));
    }

    /** Pooler's private key for its client certificate towards PostgreSQL (PEM). */
    public Optional<Path> serverTlsKeyFile() {
        return path("server_tls_key_file");
    }

    /** Pooler's client certificate towards PostgreSQL (PEM). */
    public Optional<Path> serverTlsCertFile() {
        return path("server_tls_cert_file");
    }

    /** The CA certificates PostgreSQL's certificate is checked against under verify-ca and verify-full (PEM). */
    public Optional<Path> serverTlsCaFile() {
        return path("server_tls_ca_file");
    }

    /** TLS versions allowed towards PostgreSQL. */
    public String serverTlsProtocols() {
        return string("server_tls_protocols");
    }

    /** TLS 1.2 cipher suites allowed towards PostgreSQL. */
    public String serverTlsCiphers() {
        return string("server_tls_ciphers");
    }

    /** The TLS 1.3 suites offered to servers; empty: TLS 1.3's defaults. */
    public String serverTls13Ciphers() {
        return Optional.ofNullable(string("server_tls13_ciphers")).orElse("");
    }

    /** PBKDF2 rounds of the verifiers derived from plain-text passwords for SCRAM logins. */
    public int scramIterations() {
        return integer("scram_iterations");
    }

    /** Event-loop threads (default 1); 0 means one per available processor. Pooler's own key. */
    public int workerThreads() {
        return integer("worker_threads");
    }

    public boolean logStats() {
        return bool("log_stats");
    }

    /**
     * Address of the Prometheus scrape endpoint ({@code /metrics}); {@code *} for all addresses, empty (the
     * default) for no endpoint. Pooler's own key.
     */
    public String metricsListenAddr() {
        return string("metrics_listen_addr");
    }

    /** Port of the Prometheus scrape endpoint, 9127 by default (0 lets the kernel choose). Pooler's own key. */
    public int metricsListenPort() {
        return integer("metrics_listen_port");
    }

    /**
     * A copy with one {@code [pgbouncer]} key set to a new value, as the admin console's SET does; the value
     * is checked as the loader checks it.
     *
     * @throws IllegalArgumentException naming the reason, for an unknown key or a value that does not parse
     */
    public Settings with(String key, String value) {
        ConfigKey known = KeyRegistry.pgbouncerKey(key)
                .orElseThrow(() -> new IllegalArgumentException("unknown configuration key \"" + key + "\""));
        Object parsed;
        try {
            parsed = ValueParsers.parse(known, value);
        } catch (InvalidValueException e) {
            throw new IllegalArgumentException("invalid value \"" + value + "\" for key \"" + known.name() + "\": "
                    + e.reason(), e);
        }
        Map<String, Object> newValues = new HashMap<>(values);
        Map<String, String> newShown = new HashMap<>(shown);
        newValues.put(known.name(), parsed);
        newShown.put(known.name(), ValueFormat.show(known, parsed, value));
        return new Settings(newValues, newShown, baseDirectory);
    }

    /**
     * The effective value of any {@code [pgbouncer]} key as SHOW CONFIG prints it: integers in decimal,
     * switches as {@code 1}/{@code 0}, seconds as C's {@code %g}, text as written; {@code null} for a text
     * key that is not set and has no default. Ignores case and accepts aliases.
     *
     * @throws IllegalArgumentException for a key PgBouncer does not have
     */
    public String raw(String key) {
        ConfigKey known = KeyRegistry.pgbouncerKey(key)
                .orElseThrow(() -> new IllegalArgumentException("unknown configuration key \"" + key + "\""));
        return shown.get(known.name());
    }

    private int integer(String key) {
        return Math.toIntExact((Long) values.get(key));
    }

    /** Pooler's own: keep a client on its server while it holds session state (transaction/statement mode). */
    public boolean pinOnSessionState() {
        return bool("pin_on_session_state");
    }

    /** Pooler's own: LISTEN served by one listener connection per pool (transaction/statement mode). */
    public boolean listenMultiplex() {
        return bool("listen_multiplex");
    }

    private boolean bool(String key) {
        return (Boolean) values.get(key);
    }

    private Duration duration(String key) {
        return (Duration) values.get(key);
    }

    private String string(String key) {
        return (String) values.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<String> list(String key) {
        return (List<String>) values.get(key);
    }

    private Optional<Path> path(String key) {
        return Optional.ofNullable(string(key))
                .filter(name -> !name.isEmpty())
                .map(baseDirectory::resolve);
    }
}
