package io.pooler.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class KeyRegistryTest {

    /** bouncer_params in PgBouncer 1.25's src/main.c (Linux build), in its order. */
    private static final List<String> PGBOUNCER_1_25_KEYS = List.of(
            "admin_users", "application_name_add_host", "auth_dbname", "auth_file", "auth_hba_file",
            "auth_ident_file", "auth_ldap_options", "auth_query", "auth_type", "auth_user", "autodb_idle_timeout",
            "cancel_wait_timeout", "client_idle_timeout", "client_login_timeout", "client_tls13_ciphers",
            "client_tls_ca_file", "client_tls_cert_file", "client_tls_ciphers", "client_tls_dheparams",
            "client_tls_ecdhcurve", "client_tls_key_file", "client_tls_protocols", "client_tls_sslmode", "conffile",
            "default_pool_size", "disable_pqexec", "dns_max_ttl", "dns_nxdomain_ttl", "dns_zone_check_period",
            "idle_transaction_timeout", "ignore_startup_parameters", "job_name", "listen_addr", "listen_backlog",
            "listen_port", "log_connections", "log_disconnections", "log_pooler_errors", "log_stats", "logfile",
            "max_client_conn", "max_db_client_connections", "max_db_connections", "max_packet_size",
            "max_prepared_statements", "max_user_client_connections", "max_user_connections", "min_pool_size",
            "peer_id", "pidfile", "pkt_buf", "pool_mode", "query_timeout", "query_wait_notify", "query_wait_timeout",
            "reserve_pool_size", "reserve_pool_timeout", "resolv_conf", "sbuf_loopcnt", "scram_iterations",
            "server_check_delay", "server_check_query", "server_connect_timeout", "server_fast_close",
            "server_idle_timeout", "server_lifetime", "server_login_retry", "server_reset_query",
            "server_reset_query_always", "server_round_robin", "server_tls13_ciphers", "server_tls_ca_file",
            "server_tls_cert_file", "server_tls_ciphers", "server_tls_key_file", "server_tls_protocols",
            "server_tls_sslmode", "so_reuseport", "stats_period", "stats_users", "suspend_timeout", "syslog",
            "syslog_facility", "syslog_ident", "tcp_defer_accept", "tcp_keepalive", "tcp_keepcnt", "tcp_keepidle",
            "tcp_keepintvl", "tcp_socket_buffer", "tcp_user_timeout", "track_extra_parameters",
            "transaction_timeout", "unix_socket_dir", "unix_socket_group", "unix_socket_mode", "user", "verbose");

    /** The keys Pooler acts on today. */
    static final Set<String> SUPPORTED = Set.of(
            "listen_addr", "listen_port", "unix_socket_dir", "unix_socket_mode", "auth_type", "auth_file",
            "admin_users", "stats_users", "pool_mode", "max_client_conn", "default_pool_size", "min_pool_size",
            "reserve_pool_size", "reserve_pool_timeout", "max_db_connections", "max_user_connections",
            "server_reset_query", "server_reset_query_always", "server_lifetime", "server_idle_timeout",
            "server_connect_timeout", "server_login_retry", "client_login_timeout", "query_wait_timeout",
            "ignore_startup_parameters", "track_extra_parameters", "max_packet_size", "pidfile", "logfile",
            "log_connections", "log_disconnections", "log_pooler_errors", "verbose", "stats_period",
            "listen_backlog", "tcp_keepalive", "so_reuseport", "application_name_add_host", "worker_threads", "suspend_timeout", "disable_pqexec", "server_round_robin",
            "client_tls13_ciphers", "server_tls13_ciphers", "autodb_idle_timeout",
            "user", "query_timeout", "client_idle_timeout", "idle_transaction_timeout", "cancel_wait_timeout",
            "server_check_delay", "server_check_query", "max_db_client_connections", "max_user_client_connections",
            "max_prepared_statements", "log_stats", "metrics_listen_addr", "metrics_listen_port", "max_parsed_message_size", "pin_on_session_state", "listen_multiplex", "auth_hba_file",
            "auth_user", "auth_query", "auth_dbname", "syslog", "syslog_ident", "syslog_facility", "unix_socket_group",
            "client_tls_sslmode", "client_tls_key_file", "client_tls_cert_file",
            "client_tls_ca_file", "client_tls_protocols", "client_tls_ciphers", "server_tls_sslmode",
            "server_tls_key_file", "server_tls_cert_file", "server_tls_ca_file", "server_tls_protocols",
            "server_tls_ciphers", "peer_id", "dns_max_ttl", "dns_nxdomain_ttl", "dns_zone_check_period",
            "resolv_conf", "transaction_timeout", "scram_iterations", "server_fast_close", "query_wait_notify", "login_notify_message", "auth_ident_file", "client_tls_ecdhcurve",
            "tcp_defer_accept", "tcp_keepcnt", "tcp_keepidle", "tcp_keepintvl", "tcp_socket_buffer", "tcp_user_timeout");

    /** Keys PgBouncer flags CF_NO_RELOAD, plus Pooler's own worker_threads and metrics listener (bound once). */
    private static final Set<String> NOT_CHANGEABLE = Set.of(
            "disable_pqexec", "job_name", "listen_addr", "listen_backlog", "listen_port", "pidfile", "pkt_buf",
            "resolv_conf", "so_reuseport", "track_extra_parameters", "unix_socket_dir", "unix_socket_group",
            "unix_socket_mode", "user", "worker_threads", "metrics_listen_addr", "metrics_listen_port");

    private static List<String> names() {
        return KeyRegistry.pgbouncerKeys().stream().map(ConfigKey::name).toList();
    }

    @Test
    void hasEveryPgBouncerKeyInShowConfigOrderPlusPoolersOwnAtTheEnd() {
        List<String> expected = new java.util.ArrayList<>(PGBOUNCER_1_25_KEYS);
        expected.add(expected.indexOf("logfile") + 1, "login_notify_message"); // PgBouncer's master, in its place
        expected.addAll(List.of("worker_threads", "metrics_listen_addr", "metrics_listen_port", "max_parsed_message_size",
                "pin_on_session_state", "listen_multiplex"));

        assertEquals(expected, names());
    }

    @Test
    void supportsExactlyTheKeysPoolerActsOn() {
        Set<String> supported = KeyRegistry.pgbouncerKeys().stream()
                .filter(ConfigKey::supported).map(ConfigKey::name).collect(Collectors.toSet());

        assertEquals(SUPPORTED, supported);
    }

    @Test
    void marksPgBouncersNoReloadKeysAsNotChangeable() {
        Set<String> fixed = KeyRegistry.pgbouncerKeys().stream()
                .filter(key -> !key.changeable()).map(ConfigKey::name).collect(Collectors.toSet());

        assertEquals(NOT_CHANGEABLE, fixed);
    }

    @Test
    void everyDefaultParses() {
        for (ConfigKey key : KeyRegistry.pgbouncerKeys()) {
            if (key.defaultValue() != null) {
                assertDoesNotThrow(() -> ValueParsers.parse(key, key.defaultValue()), key.name());
            }
        }
    }

    @Test
    void findsKeysIgnoringCaseAndByAlias() {
        assertEquals("listen_port", KeyRegistry.pgbouncerKey("LISTEN_Port").orElseThrow().name());
        assertEquals("job_name", KeyRegistry.pgbouncerKey("service_name").orElseThrow().name());
        assertTrue(KeyRegistry.pgbouncerKey("no_such_key").isEmpty());
    }

    @Test
    void knowsPgBouncer125DatabaseAndUserKeys() {
        assertEquals(Set.of("dbname", "host", "port", "user", "password", "auth_user", "auth_query", "auth_dbname",
                        "pool_size", "min_pool_size", "reserve_pool_size", "max_db_connections",
                        "max_db_client_connections", "pool_mode", "connect_query", "application_name",
                        "client_encoding", "datestyle", "timezone", "server_lifetime", "load_balance_hosts",
                        "query_wait_timeout", "pin_on_session_state", "listen_multiplex"), // the last two: Pooler's own
                KeyRegistry.databaseKeys().stream().map(ConfigKey::name).collect(Collectors.toSet()));
        assertEquals("reserve_pool_size", KeyRegistry.databaseKey("reserve_pool").orElseThrow().name());
        assertEquals(Set.of("pool_mode", "pin_on_session_state", "pool_size", "reserve_pool_size", "max_user_connections",
                        "max_user_client_connections", "query_timeout", "idle_transaction_timeout",
                        "transaction_timeout", "client_idle_timeout", "query_wait_timeout"),
                KeyRegistry.userKeys().stream().map(ConfigKey::name).collect(Collectors.toSet()));
    }
}
