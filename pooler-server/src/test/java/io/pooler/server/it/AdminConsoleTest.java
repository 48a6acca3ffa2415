package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.pooler.server.it.AdminRows.columns;
import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_PASSWORD;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin console through PgJDBC's simple query protocol, as psql speaks it: every SHOW command's
 * columns against PgBouncer 1.25's, who may log in and run what, and the console's grammar.
 */
@PoolerTest
class AdminConsoleTest {
    static final String ADMIN = SCRAM_USER;
    static final String STATS = MD5_USER;

    private final PoolerFixture pooler;

    AdminConsoleTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler
                .user(SCRAM_USER, SCRAM_PASSWORD).user(MD5_USER, MD5_PASSWORD).user("nobody", "nobody-secret")
                .set("admin_users", ADMIN).set("stats_users", STATS)
                .start();
    }

    private Connection admin() throws SQLException {
        return pooler.connectSimple("pgbouncer", ADMIN, SCRAM_PASSWORD);
    }

    /** PgBouncer 1.25's columns (src/admin.c, src/stats.c), then Pooler's own at the end. */
    @Test
    void everyShowCommandHasPgBouncersColumnsInOrder() throws Exception {
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("POOLS", "database:text user:text cl_active:int4 cl_waiting:int4 cl_active_cancel_req:int4 "
                + "cl_waiting_cancel_req:int4 sv_active:int4 sv_active_cancel:int4 sv_being_canceled:int4 sv_idle:int4 "
                + "sv_used:int4 sv_tested:int4 sv_login:int4 maxwait:int4 maxwait_us:int4 pool_mode:text "
                + "load_balance_hosts:text p50_wait_time:int8 p95_wait_time:int8 p99_wait_time:int8 cl_pinned:int4");
        expected.put("STATS", "database:text total_server_assignment_count:numeric total_xact_count:numeric "
                + "total_query_count:numeric total_received:numeric total_sent:numeric total_xact_time:numeric "
                + "total_query_time:numeric total_wait_time:numeric total_client_parse_count:numeric "
                + "total_server_parse_count:numeric total_bind_count:numeric total_client_login_count:numeric "
                + "avg_server_assignment_count:numeric "
                + "avg_xact_count:numeric avg_query_count:numeric avg_recv:numeric avg_sent:numeric "
                + "avg_xact_time:numeric avg_query_time:numeric avg_wait_time:numeric avg_client_parse_count:numeric "
                + "avg_server_parse_count:numeric avg_bind_count:numeric avg_client_login_count:numeric "
                + "p50_query_time:numeric p95_query_time:numeric "
                + "p99_query_time:numeric p50_xact_time:numeric p95_xact_time:numeric p99_xact_time:numeric "
                + "p50_wait_time:numeric p95_wait_time:numeric p99_wait_time:numeric");
        expected.put("STATS_TOTALS", "database:text server_assignment_count:numeric xact_count:numeric "
                + "query_count:numeric bytes_received:numeric bytes_sent:numeric xact_time:numeric query_time:numeric "
                + "wait_time:numeric client_parse_count:numeric server_parse_count:numeric bind_count:numeric "
                + "client_login_count:numeric");
        expected.put("STATS_AVERAGES", "database:text server_assignment_count:numeric xact_count:numeric "
                + "query_count:numeric bytes_received:numeric bytes_sent:numeric xact_time:numeric query_time:numeric "
                + "wait_time:numeric avg_client_parse_count:numeric avg_server_parse_count:numeric avg_bind_count:numeric "
                + "avg_client_login_count:numeric");
        expected.put("TOTALS", "name:text value:numeric");
        String sockets = "type:text user:text database:text replication:text state:text addr:text port:int4 "
                + "local_addr:text local_port:int4 connect_time:text request_time:text wait:int4 wait_us:int4 "
                + "close_needed:int4 ptr:text link:text remote_pid:int4 tls:text application_name:text "
                + "prepared_statements:int4 id:int8";
        String debug = " recv_pos:int4 pkt_pos:int4 pkt_remain:int4 send_pos:int4 send_remain:int4 pkt_avail:int4 "
                + "send_avail:int4";
        String pinned = " pinned:text"; // Pooler's own, after PgBouncer's columns
        expected.put("CLIENTS", sockets + pinned);
        expected.put("SERVERS", sockets + pinned);
        expected.put("SOCKETS", sockets + debug + pinned);
        expected.put("ACTIVE_SOCKETS", sockets + debug + pinned);
        expected.put("DATABASES", "name:text host:text port:int4 database:text force_user:text pool_size:int4 "
                + "min_pool_size:int4 reserve_pool_size:int4 server_lifetime:int4 pool_mode:text "
                + "load_balance_hosts:text max_connections:int4 current_connections:int4 max_client_connections:int4 "
                + "current_client_connections:int4 paused:int4 disabled:int4");
        expected.put("USERS", "name:text pool_size:text reserve_pool_size:text pool_mode:text "
                + "max_user_connections:int4 current_connections:int4 max_user_client_connections:int4 "
                + "current_client_connections:int4");
        expected.put("PEERS", "peer_id:int4 host:text port:int4 pool_size:int4");
        expected.put("PEER_POOLS", "peer_id:int4 cl_active_cancel_req:int4 cl_waiting_cancel_req:int4 "
                + "sv_active_cancel:int4 sv_login:int4");
        expected.put("LISTS", "list:text items:int4");
        expected.put("CONFIG", "key:text value:text default:text changeable:text");
        expected.put("MEM", "name:text size:int4 used:int4 free:int4 memtotal:int4");
        expected.put("DNS_HOSTS", "hostname:text ttl:int8 addrs:text");
        expected.put("DNS_ZONES", "zonename:text serial:int8 count:int4");
        expected.put("VERSION", "version:text");
        expected.put("STATE", "key:text value:text");
        expected.put("FDS", "fd:int4 task:text user:text database:text addr:text port:int4 cancel:int8 link:int4 "
                + "client_encoding:text std_strings:text datestyle:text timezone:text password:text "
                + "scram_client_key:text scram_server_key:text");
        try (Connection client = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection admin = admin()) {
            queryString(client, "select 1");
            for (Map.Entry<String, String> e : expected.entrySet()) {
                assertEquals(e.getValue(), String.join(" ", columns(admin, "SHOW " + e.getKey())), "SHOW " + e.getKey());
            }
        }
    }

    @Test
    void showPoolsCountsTheClientAndItsServer() throws Exception {
        try (Connection client = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD); Connection admin = admin()) {
            queryString(client, "select 1");
            Map<String, String> pool = AdminRows.pool(admin, DB, SCRAM_USER);
            assertEquals("1", pool.get("cl_active"));
            assertEquals("1", pool.get("sv_active"), "session mode keeps the server linked");
            assertEquals("session", pool.get("pool_mode"));
            Map<String, String> console = AdminRows.pool(admin, "pgbouncer", "pgbouncer");
            assertEquals("1", console.get("cl_active"), "the console's own connection");
            List<Map<String, String>> clients = rows(admin, "SHOW CLIENTS");
            Map<String, String> c = clients.stream().filter(r -> r.get("database").equals(DB)).findFirst().orElseThrow();
            assertEquals("C", c.get("type"));
            assertEquals("active", c.get("state"));
            assertEquals("127.0.0.1", c.get("addr"));
            Map<String, String> s = rows(admin, "SHOW SERVERS").get(0);
            assertEquals("S", s.get("type"));
            assertEquals(c.get("ptr"), s.get("link"), "the server's link is the client");
            assertEquals(s.get("ptr"), c.get("link"));
            assertEquals(queryString(client, "select pg_backend_pid()"), s.get("remote_pid"));
        }
    }

    /** SHOW CLIENTS' request_time moves with each request (kept on the nanosecond clock, shown as wall-clock time). */
    @Test
    void requestTimeIsTheLastRequestsWallClockTime() throws Exception {
        try (Connection client = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD); Connection admin = admin()) {
            queryString(client, "select 1");
            Map<String, String> before = clientRow(admin);
            assertTrue(before.get("request_time").compareTo(before.get("connect_time")) >= 0, before.toString());
            Thread.sleep(1_100); // the column shows whole seconds
            queryString(client, "select 2");
            Map<String, String> after = clientRow(admin);
            assertTrue(after.get("request_time").compareTo(before.get("request_time")) > 0, before + " then " + after);
            assertEquals(before.get("connect_time"), after.get("connect_time"));
        }
    }

    private static Map<String, String> clientRow(Connection admin) throws SQLException {
        return rows(admin, "SHOW CLIENTS").stream().filter(r -> r.get("database").equals(DB)).findFirst().orElseThrow();
    }

    @Test
    void statsUsersMayShowButNotControl() throws Exception {
        try (Connection stats = pooler.connectSimple("pgbouncer", STATS, MD5_PASSWORD)) {
            assertEquals(3, rows(stats, "SHOW STATE").size());
            for (String command : List.of("PAUSE", "RESUME", "RELOAD", "RECONNECT", "KILL " + DB, "SHUTDOWN",
                    "SET default_pool_size = 3", "SHOW FDS", "DISABLE " + DB, "WAIT_CLOSE", "KILL_CLIENT 1")) {
                SQLException e = assertThrows(SQLException.class, () -> rows(stats, command), command);
                assertEquals("42501", e.getSQLState(), command);
                assertTrue(e.getMessage().contains("admin access needed"), e.getMessage());
            }
            assertEquals("yes", rows(stats, "SHOW STATE").get(0).get("value"), "the session goes on, nothing changed");
        }
    }

    @Test
    void otherUsersAreRefusedAndLearnNothing() {
        SQLException refused = assertThrows(SQLException.class,
                () -> pooler.connectSimple("pgbouncer", "nobody", "nobody-secret"));
        assertEquals("42501", refused.getSQLState());
        SQLException wrongPassword = assertThrows(SQLException.class,
                () -> pooler.connectSimple("pgbouncer", "nobody", "guess"));
        assertEquals("28P01", wrongPassword.getSQLState(), "a wrong password fails before the user list is consulted");
        SQLException unknown = assertThrows(SQLException.class,
                () -> pooler.connectSimple("pgbouncer", ADMIN, "guess"));
        assertEquals("28P01", unknown.getSQLState(), "an admin user still needs the password");
    }

    @Test
    void grammarIsPgBouncers() throws Exception {
        try (Connection admin = admin()) {
            assertEquals(rows(admin, "SHOW POOLS").size(), rows(admin, "  show   pools ;  ").size());
            SQLException e = assertThrows(SQLException.class, () -> rows(admin, "SHOW NONSENSE"));
            assertTrue(e.getMessage().contains("invalid command 'SHOW NONSENSE'"), e.getMessage());
            SQLException other = assertThrows(SQLException.class, () -> rows(admin, "FROBNICATE everything now"));
            assertTrue(other.getMessage().contains("FROBNICATE everything now"), other.getMessage());
            assertEquals(io.pooler.Version.STRING, queryString(admin, "SHOW VERSION"), "the session goes on");
            assertEquals("UTF-8", queryString(admin, "SHOW client_encoding"));
            assertEquals("ISO", queryString(admin, "show DateStyle"));
            assertEquals("GMT", queryString(admin, "SHOW TimeZone"));
            assertEquals("on", queryString(admin, "SHOW standard_conforming_strings"));
            assertEquals("read committed", queryString(admin, "SHOW default_transaction_isolation"));
            try (Statement st = admin.createStatement()) {
                st.execute("SET DateStyle = 'ISO, MDY'");
                SQLWarning w = st.getWarnings();
                assertNotNull(w);
                assertEquals("SET ignored", w.getMessage());
                st.execute("SHOW HELP");
                assertTrue(st.getWarnings().getMessage().contains("Console usage"));
            }
        }
    }

    @Test
    void extendedProtocolIsRefused() throws Exception {
        Properties extended = new Properties();
        extended.setProperty("preferQueryMode", "extended");
        try (Connection admin = pooler.connect("pgbouncer", ADMIN, SCRAM_PASSWORD, extended)) {
            SQLException e = assertThrows(SQLException.class, () -> rows(admin, "SHOW POOLS"));
            assertTrue(e.getMessage().contains("extended query protocol not supported by admin console"), e.getMessage());
        }
    }

    @Test
    void showDatabasesUsersConfigAndListsDescribeTheConfig() throws Exception {
        try (Connection client = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD); Connection admin = admin()) {
            queryString(client, "select 1");
            Map<String, String> db = rows(admin, "SHOW DATABASES").stream()
                    .filter(r -> r.get("name").equals(DB)).findFirst().orElseThrow();
            assertEquals("5", db.get("pool_size"));
            assertEquals("1", db.get("current_connections"));
            assertEquals("1", db.get("current_client_connections"));
            assertEquals("0", db.get("paused"));
            List<String> users = new ArrayList<>();
            rows(admin, "SHOW USERS").forEach(r -> users.add(r.get("name")));
            assertTrue(users.containsAll(List.of(SCRAM_USER, MD5_USER, "nobody")), users.toString());
            Map<String, String> poolSize = rows(admin, "SHOW CONFIG").stream()
                    .filter(r -> r.get("key").equals("default_pool_size")).findFirst().orElseThrow();
            assertEquals("5", poolSize.get("value"));
            assertEquals("20", poolSize.get("default"));
            assertEquals("yes", poolSize.get("changeable"));
            Map<String, String> lists = new java.util.HashMap<>();
            rows(admin, "SHOW LISTS").forEach(r -> lists.put(r.get("list"), r.get("items")));
            assertEquals("2", lists.get("used_clients"), "the client and the console");
            assertEquals("1", lists.get("used_servers"));
        }
    }
}
