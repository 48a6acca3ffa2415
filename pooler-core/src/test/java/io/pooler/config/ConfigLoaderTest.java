package io.pooler.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path ini(String... lines) {
        return IniFiles.write(dir.resolve("pooler.ini"), lines);
    }

    private LoadedConfig load(String... lines) throws ConfigException {
        return ConfigLoader.load(ini(lines));
    }

    private Settings settings(String... lines) throws ConfigException {
        LoadedConfig loaded = load(lines);
        assertEquals(List.of(), loaded.warnings());
        return loaded.config().settings();
    }

    private ConfigException loadFails(String... lines) {
        return assertThrows(ConfigException.class, () -> load(lines));
    }

    @Test
    void anEmptySectionHasPgBouncersDefaults() throws Exception {
        Settings settings = settings("[pgbouncer]");

        assertEquals("", settings.listenAddr());
        assertEquals(6432, settings.listenPort());
        assertEquals("/tmp", settings.unixSocketDir());
        assertEquals(0777, settings.unixSocketMode());
        assertEquals(AuthType.MD5, settings.authType());
        assertEquals(Optional.empty(), settings.authFile());
        assertEquals(List.of(), settings.adminUsers());
        assertEquals(List.of(), settings.statsUsers());
        assertEquals(PoolMode.SESSION, settings.poolMode());
        assertEquals(100, settings.maxClientConn());
        assertEquals(20, settings.defaultPoolSize());
        assertEquals(0, settings.minPoolSize());
        assertEquals(0, settings.reservePoolSize());
        assertEquals(Duration.ofSeconds(5), settings.reservePoolTimeout());
        assertEquals(0, settings.maxDbConnections());
        assertEquals(0, settings.maxUserConnections());
        assertEquals("DISCARD ALL", settings.serverResetQuery());
        assertFalse(settings.serverResetQueryAlways());
        assertEquals(Duration.ofSeconds(3600), settings.serverLifetime());
        assertEquals(Duration.ofSeconds(600), settings.serverIdleTimeout());
        assertEquals(Duration.ofSeconds(15), settings.serverConnectTimeout());
        assertEquals(Duration.ofSeconds(15), settings.serverLoginRetry());
        assertEquals(Duration.ofSeconds(60), settings.clientLoginTimeout());
        assertEquals(Duration.ofSeconds(120), settings.queryWaitTimeout());
        assertEquals(Set.of(), settings.ignoreStartupParameters());
        assertEquals(List.of("IntervalStyle"), settings.trackExtraParameters());
        assertEquals(2147483647, settings.maxPacketSize());
        assertEquals(Optional.empty(), settings.pidfile());
        assertEquals(Optional.empty(), settings.logfile());
        assertTrue(settings.logConnections());
        assertTrue(settings.logDisconnections());
        assertTrue(settings.logPoolerErrors());
        assertEquals(0, settings.verbose());
        assertEquals(Duration.ofSeconds(60), settings.statsPeriod());
        assertEquals(128, settings.listenBacklog());
        assertTrue(settings.tcpKeepalive());
        assertFalse(settings.soReuseport());
        assertFalse(settings.applicationNameAddHost());
        assertEquals(Optional.empty(), settings.user());
        assertEquals(1, settings.workerThreads()); // Pooler's own: one loop, as PgBouncer's one thread
    }

    /** Rows as PgBouncer 1.25's SHOW CONFIG prints them for an empty [pgbouncer] section (a sample). */
    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
            "admin_users, '', '', true",
            "auth_file, NULL, NULL, true",
            "auth_hba_file, '', '', true",
            "auth_type, md5, md5, true",
            "client_tls_sslmode, disable, disable, true",
            "listen_addr, '', '', false",
            "listen_port, 6432, 6432, false",
            "max_packet_size, 2147483647, 2147483647, true",
            "pool_mode, session, session, true",
            "query_wait_notify, 5, 5, true",
            "reserve_pool_timeout, 5, 5, true",
            "server_check_query, <empty>, <empty>, true",
            "server_reset_query, DISCARD ALL, DISCARD ALL, true",
            "server_tls_sslmode, prefer, prefer, true",
            "tcp_defer_accept, 1, 1, true",
            "track_extra_parameters, IntervalStyle, IntervalStyle, false",
            "unix_socket_mode, 511, 0777, false",
            "user, NULL, NULL, false",
            "verbose, 0, NULL, true",
            "worker_threads, 1, 1, false",
            "metrics_listen_addr, '', '', false",
            "metrics_listen_port, 9127, 9127, false",
    })
    void showConfigMatchesPgBouncersDefaults(String key, String value, String defaultValue, boolean changeable)
            throws Exception {
        Map<String, ConfigValue> rows = load("[pgbouncer]").config().showConfig().stream()
                .collect(Collectors.toMap(ConfigValue::key, Function.identity()));

        assertEquals(new ConfigValue(key, value, defaultValue, changeable), rows.get(key));
    }

    @Test
    void showConfigListsEveryKeyOnceWithItsDefaultColumn() throws Exception {
        List<ConfigValue> rows = load("[pgbouncer]").config().showConfig();

        assertEquals(KeyRegistry.pgbouncerKeys().size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            ConfigKey key = KeyRegistry.pgbouncerKeys().get(i);
            assertEquals(key.name(), rows.get(i).key());
            assertEquals(key.defaultValue(), rows.get(i).defaultValue(), key.name());
            assertEquals(key.changeable(), rows.get(i).changeable(), key.name());
        }
    }

    @Test
    void conffileShowsTheLoadedFile() throws Exception {
        PoolerConfig config = load("[pgbouncer]").config();

        assertEquals(dir.resolve("pooler.ini").toAbsolutePath().toString(), config.settings().raw("conffile"));
        assertEquals(dir.resolve("pooler.ini").toAbsolutePath(), config.sourceFile());
    }

    @Test
    void readsEverySupportedKey() throws Exception {
        Settings settings = settings(
                "[pgbouncer]",
                "listen_addr = 127.0.0.1, ::1",
                "listen_port = 7000",
                "unix_socket_dir = /var/run/pooler",
                "unix_socket_mode = 0700",
                "auth_type = scram-sha-256",
                "auth_file = secrets/userlist.txt",
                "admin_users = admin, root",
                "stats_users = stats monitor",
                "pool_mode = transaction",
                "max_client_conn = 5000",
                "default_pool_size = 0",
                "min_pool_size = 2",
                "reserve_pool_size = 3",
                "reserve_pool_timeout = 0.5",
                "max_db_connections = 50",
                "max_user_connections = 40",
                "server_reset_query = DEALLOCATE ALL",
                "server_reset_query_always = yes",
                "server_lifetime = 0",
                "server_idle_timeout = 1e2",
                "server_connect_timeout = 2.5",
                "server_login_retry = 1",
                "client_login_timeout = 10",
                "query_wait_timeout = 0",
                "ignore_startup_parameters = extra_float_digits, Options",
                "track_extra_parameters = search_path,IntervalStyle",
                "max_packet_size = 1048576",
                "pidfile = /run/pooler.pid",
                "logfile = pooler.log",
                "log_connections = off",
                "log_disconnections = false",
                "log_pooler_errors = 0",
                "verbose = 2",
                "stats_period = 30",
                "listen_backlog = 512",
                "tcp_keepalive = no",
                "so_reuseport = on",
                "application_name_add_host = 1",
                "user = postgres",
                "worker_threads = 4");

        assertEquals("127.0.0.1, ::1", settings.listenAddr());
        assertEquals(7000, settings.listenPort());
        assertEquals("/var/run/pooler", settings.unixSocketDir());
        assertEquals(0700, settings.unixSocketMode());
        assertEquals(AuthType.SCRAM_SHA_256, settings.authType());
        assertEquals(Optional.of(dir.toAbsolutePath().resolve("secrets/userlist.txt")), settings.authFile());
        assertEquals(List.of("admin", "root"), settings.adminUsers());
        assertEquals(List.of("stats", "monitor"), settings.statsUsers());
        assertEquals(PoolMode.TRANSACTION, settings.poolMode());
        assertEquals(5000, settings.maxClientConn());
        assertEquals(0, settings.defaultPoolSize());
        assertEquals(2, settings.minPoolSize());
        assertEquals(3, settings.reservePoolSize());
        assertEquals(Duration.ofMillis(500), settings.reservePoolTimeout());
        assertEquals(50, settings.maxDbConnections());
        assertEquals(40, settings.maxUserConnections());
        assertEquals("DEALLOCATE ALL", settings.serverResetQuery());
        assertTrue(settings.serverResetQueryAlways());
        assertEquals(Duration.ZERO, settings.serverLifetime());
        assertEquals(Duration.ofSeconds(100), settings.serverIdleTimeout());
        assertEquals(Duration.ofMillis(2500), settings.serverConnectTimeout());
        assertEquals(Duration.ofSeconds(1), settings.serverLoginRetry());
        assertEquals(Duration.ofSeconds(10), settings.clientLoginTimeout());
        assertEquals(Duration.ZERO, settings.queryWaitTimeout());
        assertEquals(Set.of("extra_float_digits", "options"), settings.ignoreStartupParameters());
        assertEquals(List.of("search_path", "IntervalStyle"), settings.trackExtraParameters());
        assertEquals(1048576, settings.maxPacketSize());
        assertEquals(Optional.of(Path.of("/run/pooler.pid")), settings.pidfile());
        assertEquals(Optional.of(dir.toAbsolutePath().resolve("pooler.log")), settings.logfile());
        assertFalse(settings.logConnections());
        assertFalse(settings.logDisconnections());
        assertFalse(settings.logPoolerErrors());
        assertEquals(2, settings.verbose());
        assertEquals(Duration.ofSeconds(30), settings.statsPeriod());
        assertEquals(512, settings.listenBacklog());
        assertFalse(settings.tcpKeepalive());
        assertTrue(settings.soReuseport());
        assertTrue(settings.applicationNameAddHost());
        assertEquals(Optional.of("postgres"), settings.user());
        assertEquals(4, settings.workerThreads());
    }

    @Test
    void rawShowsValuesTheWayShowConfigDoes() throws Exception {
        Settings settings = settings(
                "[pgbouncer]",
                "unix_socket_mode = 0700",
                "server_connect_timeout = 2.50",
                "log_connections = off",
                "pool_mode = Transaction",
                "admin_users = a,  b",
                "max_packet_size = 0x10");

        assertEquals("448", settings.raw("unix_socket_mode"));
        assertEquals("2.5", settings.raw("server_connect_timeout"));
        assertEquals("0", settings.raw("log_connections"));
        assertEquals("transaction", settings.raw("pool_mode"));
        assertEquals("a,  b", settings.raw("admin_users"));
        assertEquals("16", settings.raw("max_packet_size"));
        assertEquals("16", settings.raw("MAX_PACKET_SIZE"));
        assertThrows(IllegalArgumentException.class, () -> settings.raw("no_such_key"));
    }

    @Test
    void keysIgnoreCase() throws Exception {
        Settings settings = settings("[pgbouncer]", "Listen_Port = 7001", "POOL_MODE = statement");

        assertEquals(7001, settings.listenPort());
        assertEquals(PoolMode.STATEMENT, settings.poolMode());
    }

    @Test
    void theLastValueOfARepeatedKeyWins() throws Exception {
        assertEquals(3, settings("[pgbouncer]", "listen_port = 1", "listen_port = 3").listenPort());
    }

    @Test
    void takesTextValuesVerbatim() throws Exception {
        // PgBouncer strips no quotes from [pgbouncer] values; neither do we.
        assertEquals("\"DISCARD ALL\"", settings("[pgbouncer]", "server_reset_query = \"DISCARD ALL\"").serverResetQuery());
    }

    @Test
    void capsMaxPacketSizeToWhatAProtocolLengthCanSay() throws Exception {
        Settings settings = settings("[pgbouncer]", "max_packet_size = 4294967295");

        assertEquals(Integer.MAX_VALUE, settings.maxPacketSize());
        assertEquals("4294967295", settings.raw("max_packet_size"));
    }

    @Test
    void allowsPortZeroForAnEphemeralPort() throws Exception {
        assertEquals(0, settings("[pgbouncer]", "listen_port = 0").listenPort());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "default_pool_size = abc  | invalid value \"abc\" for key \"default_pool_size\": not an integer",
            "max_client_conn = -1     | invalid value \"-1\" for key \"max_client_conn\": must not be negative",
            "listen_port = 70000      | invalid value \"70000\" for key \"listen_port\": must be between 0 and 65535",
            "unix_socket_mode = 777   | invalid value \"777\" for key \"unix_socket_mode\": must be between 0 and 511",
            "stats_period = 0         | invalid value \"0\" for key \"stats_period\": must be between 1 and 2147483647",
            "pool_mode = sometimes    | invalid value \"sometimes\" for key \"pool_mode\": expected one of session, transaction, statement",
            "auth_type = ldap         | invalid value \"ldap\" for key \"auth_type\": expected one of trust, any, plain, md5, scram-sha-256, cert, hba, pam",
            "server_lifetime = 5s     | invalid value \"5s\" for key \"server_lifetime\": not a number of seconds",
            "query_wait_timeout = -1  | invalid value \"-1\" for key \"query_wait_timeout\": must not be negative",
            "log_connections = maybe  | invalid value \"maybe\" for key \"log_connections\": not a boolean (use 0/1, yes/no, on/off or true/false)",
            "listen_port =            | invalid value \"\" for key \"listen_port\": not an integer",
            "query_timeout = x        | invalid value \"x\" for key \"query_timeout\": not a number of seconds",
            "no_such_key = 1          | unknown key \"no_such_key\" in [pgbouncer]",
            "listen_port 6432         | syntax error: expected \"=\" after \"listen_port\"",
            "[pgbouncr]               | unknown section [pgbouncr]",
            "[Databases]              | unknown section [Databases]",
    })
    void refusesBadLinesNamingFileLineAndKey(String line, String problem) {
        ConfigException e = loadFails("; settings", "[pgbouncer]", "listen_addr = *", line);

        Path file = dir.resolve("pooler.ini").toAbsolutePath();
        assertEquals(file + ":4: " + problem, e.getMessage());
        assertEquals(file, e.file());
        assertEquals(4, e.line());
    }

    @Test
    void reportsErrorsInIncludedFilesAtTheirOwnLine() {
        Path extra = IniFiles.write(dir.resolve("conf.d/extra.ini"), "listen_port = 1", "default_pool_size = many");
        ConfigException e = loadFails("[pgbouncer]", "%include conf.d/extra.ini");

        assertEquals(extra.toAbsolutePath() + ":2: invalid value \"many\" for key \"default_pool_size\": not an integer",
                e.getMessage());
        assertEquals(2, e.line());
    }

    @Test
    void loadsSettingsFromIncludedFiles() throws Exception {
        IniFiles.write(dir.resolve("conf.d/base.ini"), "[pgbouncer]", "listen_port = 1", "pool_mode = transaction");
        LoadedConfig loaded = load("%include conf.d/base.ini", "listen_port = 2");

        assertEquals(2, loaded.config().settings().listenPort());
        assertEquals(PoolMode.TRANSACTION, loaded.config().settings().poolMode());
    }

    @Test
    void requiresThePgBouncerSection() {
        ConfigException e = loadFails("[databases]", "app = host=x");

        assertEquals(dir.resolve("pooler.ini").toAbsolutePath() + ": no [pgbouncer] section", e.getMessage());
        assertEquals(0, e.line());
    }

    static Stream<ConfigKey> unsupportedKeys() {
        return KeyRegistry.pgbouncerKeys().stream().filter(key -> !key.supported());
    }

    static Stream<ConfigKey> supportedKeys() {
        return KeyRegistry.pgbouncerKeys().stream().filter(ConfigKey::supported);
    }

    private static String someValidValue(ConfigKey key) {
        return key.defaultValue() != null ? key.defaultValue() : key.type() == ValueType.INT ? "1" : "x";
    }

    @ParameterizedTest
    @MethodSource("unsupportedKeys")
    void warnsOnceAboutEachUnsupportedKey(ConfigKey key) throws Exception {
        String line = key.name() + " = " + someValidValue(key);
        LoadedConfig loaded = load("[pgbouncer]", line, line.toUpperCase(java.util.Locale.ROOT).replace(" = ", "="));

        Path file = dir.resolve("pooler.ini").toAbsolutePath();
        assertEquals(List.of(file + ":2: key \"" + key.name() + "\" is not supported yet and is ignored"),
                loaded.warnings());
    }

    @ParameterizedTest
    @MethodSource("supportedKeys")
    void doesNotWarnAboutSupportedKeys(ConfigKey key) throws Exception {
        assertEquals(List.of(), load("[pgbouncer]", key.name() + " = " + someValidValue(key)).warnings());
    }

    @Test
    void keepsTheValueOfAnUnsupportedKeyForShowConfig() throws Exception {
        LoadedConfig loaded = load("[pgbouncer]", "sbuf_loopcnt = 7", "service_name = svc");

        assertEquals("7", loaded.config().settings().raw("sbuf_loopcnt"));
        assertEquals("svc", loaded.config().settings().raw("job_name"));
        assertEquals(2, loaded.warnings().size());
    }

    @Test
    void stillChecksTheValuesOfUnsupportedKeys() {
        ConfigException e = loadFails("[pgbouncer]", "client_tls_sslmode = sometimes");

        assertTrue(e.getMessage().endsWith(":2: invalid value \"sometimes\" for key \"client_tls_sslmode\": "
                + "expected one of disable, allow, prefer, require, verify-ca, verify-full"), e.getMessage());
    }

    @Test
    void readsThePeersSection() throws Exception {
        LoadedConfig loaded = load("[pgbouncer]", "peer_id = 2", "default_pool_size = 7", "[peers]",
                "1 = host=/tmp/pgbouncer1", "3 = host=10.0.0.3 port=7432 pool_size=2", "2 = host=self.example.com");

        PoolerConfig config = loaded.config();
        assertEquals(List.of(), loaded.warnings());
        assertEquals(2, config.settings().peerId());
        assertEquals(List.of(1, 2, 3), List.copyOf(config.peers().keySet()), "in id order");
        PeerEntry one = config.peers().get(1);
        assertEquals("/tmp/pgbouncer1", one.host());
        assertEquals(6432, one.port(), "PgBouncer's default port for peers");
        assertTrue(one.isUnixSocket());
        assertEquals(7, one.effectivePoolSize(config.settings()), "default_pool_size when not set");
        assertEquals(new PeerEntry(3, "10.0.0.3", 7432, java.util.OptionalInt.of(2)), config.peers().get(3));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0 = host=x | ids of peers must be a number larger than 0 and at most 65535",
            "65536 = host=x | ids of peers must be a number larger than 0 and at most 65535",
            "one = host=x | ids of peers must be a number larger than 0 and at most 65535",
            "1 = port=6432 | host was not provided for peer 1",
            "1 = host=x dbname=y | peer 1: unknown key \"dbname\" in [peers]",
            "1 = host=x port=0 | peer 1: invalid value \"0\" for key \"port\""})
    void refusesABadPeer(String line, String message) {
        ConfigException e = loadFails("[pgbouncer]", "[peers]", line);

        assertTrue(e.getMessage().contains(":3: " + message), e.getMessage());
    }

    @Test
    void peerIdIsAtMost16383() {
        ConfigException e = loadFails("[pgbouncer]", "peer_id = 16384");

        assertTrue(e.getMessage().contains("peer_id"), e.getMessage());
    }

    @Test
    void warningsComeInFileOrder() throws Exception {
        LoadedConfig loaded = load("[pgbouncer]", "sbuf_loopcnt = 10", "[databases]", "a = connect_query='SELECT 1'",
                "[users]", "u = pool_size=5", "[pgbouncer]", "conffile = /x.ini", "pkt_buf = 8192");

        List<String> lines = new ArrayList<>();
        for (String warning : loaded.warnings()) {
            lines.add(warning.substring(warning.indexOf(':') + 1, warning.indexOf(':', warning.indexOf(':') + 1)));
        }
        assertEquals(List.of("2", "8", "9"), lines); // connect_query (line 4) is supported
    }

    @Test
    void aMissingFileIsAConfigException() {
        Path missing = dir.resolve("missing.ini");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing));

        assertEquals(missing.toAbsolutePath(), e.file());
        assertTrue(e.getMessage().endsWith("cannot read configuration file: no such file"), e.getMessage());
    }
}
