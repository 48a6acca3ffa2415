package io.pooler.config;

import static io.pooler.config.ValueType.BOOL;
import static io.pooler.config.ValueType.ENUM;
import static io.pooler.config.ValueType.INT;
import static io.pooler.config.ValueType.LIST;
import static io.pooler.config.ValueType.SECONDS;
import static io.pooler.config.ValueType.STRING;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every key PgBouncer 1.25 knows, per section. The {@code [pgbouncer]} table mirrors {@code bouncer_params} in
 * PgBouncer's {@code src/main.c}: same names, defaults, reload flags and alphabetical order (SHOW CONFIG lists
 * keys in this order). Making a key take effect is a one-word change from {@code IGNORED} to {@code SUPPORTED}
 * on its line, plus a getter in {@link Settings}.
 */
public final class KeyRegistry {

    private static final boolean SUPPORTED = true;
    private static final boolean IGNORED = false;
    private static final boolean ONLINE = true;
    private static final boolean RESTART = false;

    private static final List<String> POOL_MODES =
            Arrays.stream(PoolMode.values()).map(PoolMode::configName).toList();
    private static final List<String> AUTH_TYPES =
            Arrays.stream(AuthType.values()).map(AuthType::configName).toList();
    private static final List<String> SSL_MODES =
            Arrays.stream(SslMode.values()).map(SslMode::configName).toList();
    private static final List<String> LOAD_BALANCE_HOSTS = List.of("disable", "round-robin");

    private static final String DEFAULT_AUTH_QUERY = "SELECT rolname, CASE WHEN rolvaliduntil < now() THEN NULL"
            + " ELSE rolpassword END FROM pg_authid WHERE rolname=$1 AND rolcanlogin";

    private static final List<ConfigKey> PGBOUNCER_KEYS = List.of(
            list("admin_users", "", ONLINE, SUPPORTED),
            bool("application_name_add_host", "0", ONLINE, SUPPORTED),
            string("auth_dbname", null, ONLINE, SUPPORTED),
            string("auth_file", null, ONLINE, SUPPORTED),
            string("auth_hba_file", "", ONLINE, SUPPORTED),
            string("auth_ident_file", null, ONLINE, SUPPORTED),
            string("auth_ldap_options", null, ONLINE, IGNORED),
            string("auth_query", DEFAULT_AUTH_QUERY, ONLINE, SUPPORTED),
            choice("auth_type", "md5", ONLINE, SUPPORTED, AUTH_TYPES),
            string("auth_user", null, ONLINE, SUPPORTED),
            seconds("autodb_idle_timeout", "3600", ONLINE, SUPPORTED),
            seconds("cancel_wait_timeout", "10", ONLINE, SUPPORTED),
            seconds("client_idle_timeout", "0", ONLINE, SUPPORTED),
            seconds("client_login_timeout", "60", ONLINE, SUPPORTED),
            string("client_tls13_ciphers", null, ONLINE, SUPPORTED),
            string("client_tls_ca_file", "", ONLINE, SUPPORTED),
            string("client_tls_cert_file", "", ONLINE, SUPPORTED),
            string("client_tls_ciphers", "default", ONLINE, SUPPORTED),
            string("client_tls_dheparams", "auto", ONLINE, IGNORED),
            string("client_tls_ecdhcurve", "auto", ONLINE, SUPPORTED),
            string("client_tls_key_file", "", ONLINE, SUPPORTED),
            string("client_tls_protocols", "secure", ONLINE, SUPPORTED),
            choice("client_tls_sslmode", "disable", ONLINE, SUPPORTED, SSL_MODES),
            string("conffile", null, ONLINE, IGNORED),
            integer("default_pool_size", "20", ONLINE, SUPPORTED),
            bool("disable_pqexec", "0", RESTART, SUPPORTED),
            seconds("dns_max_ttl", "15", ONLINE, SUPPORTED),
            seconds("dns_nxdomain_ttl", "15", ONLINE, SUPPORTED),
            seconds("dns_zone_check_period", "0", ONLINE, SUPPORTED),
            seconds("idle_transaction_timeout", "0", ONLINE, SUPPORTED),
            list("ignore_startup_parameters", "", ONLINE, SUPPORTED),
            string("job_name", "pgbouncer", RESTART, IGNORED),
            string("listen_addr", "", RESTART, SUPPORTED),
            integer("listen_backlog", "128", RESTART, SUPPORTED),
            // 0 is accepted so tests can ask the kernel for a free port.
            integer("listen_port", "6432", RESTART, SUPPORTED).range(0, 65535),
            bool("log_connections", "1", ONLINE, SUPPORTED),
            bool("log_disconnections", "1", ONLINE, SUPPORTED),
            bool("log_pooler_errors", "1", ONLINE, SUPPORTED),
            bool("log_stats", "1", ONLINE, SUPPORTED),
            string("logfile", "", ONLINE, SUPPORTED),
            // PgBouncer's master (after 1.25.2), in its place there.
            string("login_notify_message", "", ONLINE, SUPPORTED),
            integer("max_client_conn", "100", ONLINE, SUPPORTED),
            integer("max_db_client_connections", "0", ONLINE, SUPPORTED),
            integer("max_db_connections", "0", ONLINE, SUPPORTED),
            // PgBouncer reads this one as unsigned int; Settings caps it to what a protocol length can say.
            integer("max_packet_size", "2147483647", ONLINE, SUPPORTED).range(0, 0xFFFF_FFFFL),
            integer("max_prepared_statements", "200", ONLINE, SUPPORTED),
            integer("max_user_client_connections", "0", ONLINE, SUPPORTED),
            integer("max_user_connections", "0", ONLINE, SUPPORTED),
            integer("min_pool_size", "0", ONLINE, SUPPORTED),
            integer("peer_id", "0", ONLINE, SUPPORTED).range(0, 16383),
            string("pidfile", "", RESTART, SUPPORTED),
            integer("pkt_buf", "4096", RESTART, IGNORED),
            choice("pool_mode", "session", ONLINE, SUPPORTED, POOL_MODES),
            seconds("query_timeout", "0", ONLINE, SUPPORTED),
            integer("query_wait_notify", "5", ONLINE, SUPPORTED),
            seconds("query_wait_timeout", "120", ONLINE, SUPPORTED),
            integer("reserve_pool_size", "0", ONLINE, SUPPORTED),
            seconds("reserve_pool_timeout", "5", ONLINE, SUPPORTED),
            string("resolv_conf", "", RESTART, SUPPORTED),
            integer("sbuf_loopcnt", "5", ONLINE, IGNORED),
            integer("scram_iterations", "4096", ONLINE, SUPPORTED).range(1, Integer.MAX_VALUE),
            seconds("server_check_delay", "30", ONLINE, SUPPORTED),
            string("server_check_query", "<empty>", ONLINE, SUPPORTED),
            seconds("server_connect_timeout", "15", ONLINE, SUPPORTED),
            bool("server_fast_close", "0", ONLINE, SUPPORTED),
            seconds("server_idle_timeout", "600", ONLINE, SUPPORTED),
            seconds("server_lifetime", "3600", ONLINE, SUPPORTED),
            seconds("server_login_retry", "15", ONLINE, SUPPORTED),
            string("server_reset_query", "DISCARD ALL", ONLINE, SUPPORTED),
            bool("server_reset_query_always", "0", ONLINE, SUPPORTED),
            bool("server_round_robin", "0", ONLINE, SUPPORTED),
            string("server_tls13_ciphers", null, ONLINE, SUPPORTED),
            string("server_tls_ca_file", "", ONLINE, SUPPORTED),
            string("server_tls_cert_file", "", ONLINE, SUPPORTED),
            string("server_tls_ciphers", "default", ONLINE, SUPPORTED),
            string("server_tls_key_file", "", ONLINE, SUPPORTED),
            string("server_tls_protocols", "secure", ONLINE, SUPPORTED),
            choice("server_tls_sslmode", "prefer", ONLINE, SUPPORTED, SSL_MODES),
            bool("so_reuseport", "0", RESTART, SUPPORTED),
            // An interval of 0 would divide by zero when averages are computed.
            integer("stats_period", "60", ONLINE, SUPPORTED).range(1, Integer.MAX_VALUE),
            list("stats_users", "", ONLINE, SUPPORTED),
            seconds("suspend_timeout", "10", ONLINE, SUPPORTED),
            bool("syslog", "0", ONLINE, SUPPORTED),
            string("syslog_facility", "daemon", ONLINE, SUPPORTED),
            string("syslog_ident", "pgbouncer", ONLINE, SUPPORTED),
            bool("tcp_defer_accept", "1", ONLINE, SUPPORTED),
            bool("tcp_keepalive", "1", ONLINE, SUPPORTED),
            integer("tcp_keepcnt", "0", ONLINE, SUPPORTED),
            integer("tcp_keepidle", "0", ONLINE, SUPPORTED),
            integer("tcp_keepintvl", "0", ONLINE, SUPPORTED),
            integer("tcp_socket_buffer", "0", ONLINE, SUPPORTED),
            integer("tcp_user_timeout", "0", ONLINE, SUPPORTED),
            list("track_extra_parameters", "IntervalStyle", RESTART, SUPPORTED),
            seconds("transaction_timeout", "0", ONLINE, SUPPORTED),
            string("unix_socket_dir", "/tmp", RESTART, SUPPORTED),
            string("unix_socket_group", "", RESTART, SUPPORTED),
            integer("unix_socket_mode", "0777", RESTART, SUPPORTED).range(0, 0777),
            string("user", null, RESTART, SUPPORTED),
            // PgBouncer has no default string here; the C variable starts at 0 (see Settings.verbose()).
            integer("verbose", null, ONLINE, SUPPORTED),
            // Pooler's own: event-loop threads; 0 means one per available processor. One by default, as
            // PgBouncer runs one thread: on a host it shares with PostgreSQL and the clients, a second loop
            // cost more CPU per transaction and per connection than it gave (README, "Benchmarks").
            integer("worker_threads", "1", RESTART, SUPPORTED),
            // Pooler's own: the Prometheus scrape endpoint; empty address (the default) means none.
            string("metrics_listen_addr", "", RESTART, SUPPORTED),
            integer("metrics_listen_port", "9127", RESTART, SUPPORTED).range(0, 65535),
            // Pooler's own: the largest message the pooler must see whole to act on it (login messages
            // after the first, Parse/Bind/Describe/Close while prepared statements are tracked, and the
            // server's messages other than rows and COPY data). Longer ones get 08P01; everything
            // else is streamed through and only max_packet_size applies.
            integer("max_parsed_message_size", "67108864", ONLINE, SUPPORTED).range(1024, Integer.MAX_VALUE),
            // Pooler's own: in transaction and statement pooling, a client that leaves state in its
            // server's session (SET, PREPARE, WITH HOLD cursors, temp tables, advisory locks, LOAD,
            // LISTEN) keeps its server until it clears that state. 0 behaves as PgBouncer does.
            bool("pin_on_session_state", "1", ONLINE, SUPPORTED),
            // Pooler's own: in transaction and statement pooling, LISTEN/UNLISTEN are answered by the
            // pooler and served by one listening server connection per pool. 0: LISTEN pins the client.
            bool("listen_multiplex", "1", ONLINE, SUPPORTED));

    /**
     * Other names PgBouncer accepts for a key. {@code service_name} only exists in PgBouncer's Windows build,
     * where it shares {@code job_name}'s storage; it is accepted here so such files load, and SHOW CONFIG
     * lists only {@code job_name}, as on Linux.
     */
    private static final Map<String, String> PGBOUNCER_ALIASES = Map.of("service_name", "job_name");

    /** The keys of a {@code [databases]} connection string (PgBouncer's {@code parse_database}). */
    private static final List<ConfigKey> DATABASE_KEYS = List.of(
            string("dbname", null, RESTART, SUPPORTED),
            string("host", null, RESTART, SUPPORTED),
            integer("port", null, RESTART, SUPPORTED).range(1, 65535),
            string("user", null, RESTART, SUPPORTED),
            string("password", null, RESTART, SUPPORTED),
            string("auth_user", null, RESTART, SUPPORTED),
            string("auth_query", null, RESTART, SUPPORTED),
            string("auth_dbname", null, RESTART, SUPPORTED),
            integer("pool_size", null, RESTART, SUPPORTED),
            integer("min_pool_size", null, RESTART, SUPPORTED),
            integer("reserve_pool_size", null, RESTART, SUPPORTED),
            integer("max_db_connections", null, RESTART, SUPPORTED),
            integer("max_db_client_connections", null, RESTART, SUPPORTED),
            choice("pool_mode", null, RESTART, SUPPORTED, POOL_MODES),
            bool("pin_on_session_state", null, RESTART, SUPPORTED),
            bool("listen_multiplex", null, RESTART, SUPPORTED),
            string("connect_query", null, RESTART, SUPPORTED),
            string("application_name", null, RESTART, SUPPORTED),
            string("client_encoding", null, RESTART, SUPPORTED),
            string("datestyle", null, RESTART, SUPPORTED),
            string("timezone", null, RESTART, SUPPORTED),
            seconds("server_lifetime", null, RESTART, SUPPORTED),
            // PgBouncer's master (after 1.25.2); a [users] value wins over this one.
            seconds("query_wait_timeout", null, RESTART, SUPPORTED),
            choice("load_balance_hosts", null, RESTART, SUPPORTED, LOAD_BALANCE_HOSTS));

    /**
     * The keys of a {@code [peers]} entry (PgBouncer's {@code parse_peer}): where another Pooler or PgBouncer
     * of the group listens, and how many cancel requests may be in flight to it at once.
     */
    private static final List<ConfigKey> PEER_KEYS = List.of(
            string("host", null, RESTART, SUPPORTED),
            integer("port", null, RESTART, SUPPORTED).range(1, 65535),
            integer("pool_size", null, RESTART, SUPPORTED));

    /** {@code reserve_pool} is the pre-1.24 name PgBouncer still accepts. */
    private static final Map<String, String> DATABASE_ALIASES = Map.of("reserve_pool", "reserve_pool_size");

    /** The keys of a {@code [users]} entry (PgBouncer's {@code parse_user}). */
    private static final List<ConfigKey> USER_KEYS = List.of(
            choice("pool_mode", null, RESTART, SUPPORTED, POOL_MODES),
            bool("pin_on_session_state", null, RESTART, SUPPORTED),
            integer("pool_size", null, RESTART, SUPPORTED),
            integer("reserve_pool_size", null, RESTART, SUPPORTED),
            integer("max_user_connections", null, RESTART, SUPPORTED),
            integer("max_user_client_connections", null, RESTART, SUPPORTED),
            seconds("query_timeout", null, RESTART, SUPPORTED),
            seconds("idle_transaction_timeout", null, RESTART, SUPPORTED),
            seconds("transaction_timeout", null, RESTART, SUPPORTED),
            seconds("client_idle_timeout", null, RESTART, SUPPORTED),
            // PgBouncer's master (after 1.25.2).
            seconds("query_wait_timeout", null, RESTART, SUPPORTED));

    private static final Map<String, ConfigKey> PGBOUNCER_BY_NAME = byName(PGBOUNCER_KEYS, PGBOUNCER_ALIASES);
    private static final Map<String, ConfigKey> DATABASE_BY_NAME = byName(DATABASE_KEYS, DATABASE_ALIASES);
    private static final Map<String, ConfigKey> USER_BY_NAME = byName(USER_KEYS, Map.of());
    private static final Map<String, ConfigKey> PEER_BY_NAME = byName(PEER_KEYS, Map.of());

    private KeyRegistry() {
    }

    /** Every {@code [pgbouncer]} key, in SHOW CONFIG order. Aliases are not listed. */
    public static List<ConfigKey> pgbouncerKeys() {
        return PGBOUNCER_KEYS;
    }

    /** A {@code [pgbouncer]} key by name or alias, ignoring case. */
    public static Optional<ConfigKey> pgbouncerKey(String name) {
        return Optional.ofNullable(PGBOUNCER_BY_NAME.get(name.toLowerCase(Locale.ROOT)));
    }

    /** A {@code [databases]} connection-string key by name or alias; case matters, as in PgBouncer. */
    static Optional<ConfigKey> databaseKey(String name) {
        return Optional.ofNullable(DATABASE_BY_NAME.get(name));
    }

    /** A {@code [users]} key by name; case matters, as in PgBouncer. */
    static Optional<ConfigKey> userKey(String name) {
        return Optional.ofNullable(USER_BY_NAME.get(name));
    }

    /** A {@code [peers]} key by name; case matters, as in PgBouncer. */
    static Optional<ConfigKey> peerKey(String name) {
        return Optional.ofNullable(PEER_BY_NAME.get(name));
    }

    static List<ConfigKey> databaseKeys() {
        return DATABASE_KEYS;
    }

    static List<ConfigKey> userKeys() {
        return USER_KEYS;
    }

    private static Map<String, ConfigKey> byName(List<ConfigKey> keys, Map<String, String> aliases) {
        Map<String, ConfigKey> byName = new LinkedHashMap<>();
        for (ConfigKey key : keys) {
            if (byName.put(key.name(), key) != null) {
                throw new IllegalStateException("duplicate key " + key.name());
            }
        }
        aliases.forEach((alias, target) -> byName.put(alias, byName.get(target)));
        return Map.copyOf(byName);
    }

    private static ConfigKey integer(String name, String def, boolean changeable, boolean supported) {
        return new ConfigKey(name, INT, def, changeable, supported, 0, Integer.MAX_VALUE, List.of());
    }

    private static ConfigKey bool(String name, String def, boolean changeable, boolean supported) {
        return new ConfigKey(name, BOOL, def, changeable, supported, 0, 0, List.of());
    }

    private static ConfigKey seconds(String name, String def, boolean changeable, boolean supported) {
        return new ConfigKey(name, SECONDS, def, changeable, supported, 0, 0, List.of());
    }

    private static ConfigKey string(String name, String def, boolean changeable, boolean supported) {
        return new ConfigKey(name, STRING, def, changeable, supported, 0, 0, List.of());
    }

    private static ConfigKey list(String name, String def, boolean changeable, boolean supported) {
        return new ConfigKey(name, LIST, def, changeable, supported, 0, 0, List.of());
    }

    private static ConfigKey choice(String name, String def, boolean changeable, boolean supported,
                                    List<String> choices) {
        return new ConfigKey(name, ENUM, def, changeable, supported, 0, 0, choices);
    }
}
