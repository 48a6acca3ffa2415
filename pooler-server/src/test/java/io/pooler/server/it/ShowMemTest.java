package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.pooler.server.it.AdminRows.columns;
import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SHOW MEM: PgBouncer's columns and caches, then Pooler's own, counting what really is there. */
@PoolerTest
class ShowMemTest {
    /** PgBouncer 1.25's slab caches, in its order (src/objects.c). */
    private static final List<String> PGBOUNCER_ROWS = List.of("user_cache", "db_cache", "peer_cache", "peer_pool_cache",
            "pool_cache", "outstanding_request_cache", "server_cache", "client_cache", "iobuf_cache", "var_list_cache",
            "server_prepared_statement_cache");

    private final PoolerFixture pooler;

    ShowMemTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD)
                .set("admin_users", SCRAM_USER).set("pool_mode", "transaction").start();
    }

    @Test
    void hasPgBouncersColumnsAndCachesFirst() throws Exception {
        try (Connection admin = admin()) {
            assertEquals(List.of("name:text", "size:int4", "used:int4", "free:int4", "memtotal:int4"),
                    columns(admin, "SHOW MEM"));
            List<String> names = rows(admin, "SHOW MEM").stream().map(r -> r.get("name")).toList();
            assertEquals(PGBOUNCER_ROWS, names.subList(0, PGBOUNCER_ROWS.size()), "PgBouncer's rows first: " + names);
            assertTrue(names.containsAll(List.of("prepared_statement_registry", "parameter_map_intern", "parameter_value_intern",
                    "jvm_heap", "jvm_nonheap")), names.toString());
        }
    }

    @Test
    void theClientRowGrowsWhenClientsConnect() throws Exception {
        try (Connection admin = admin()) {
            int before = used(admin, "client_cache");
            List<Connection> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    clients.add(pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD));
                }
                assertEquals(before + 3, used(admin, "client_cache"));
            } finally {
                for (Connection c : clients) {
                    c.close();
                }
            }
        }
    }

    @Test
    void preparedStatementsAreCountedInTheRegistryAndOnTheServer() throws Exception {
        Properties prepareAtOnce = new Properties();
        prepareAtOnce.setProperty("prepareThreshold", "1"); // a named server-side statement from the first run
        try (Connection admin = admin(); Connection client = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, prepareAtOnce)) {
            assertEquals(0, used(admin, "prepared_statement_registry"));
            String sql = "SELECT 1 + ?";
            try (PreparedStatement ps = client.prepareStatement(sql)) {
                ps.setInt(1, 41);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                }
            }
            Map<String, String> registry = row(admin, "prepared_statement_registry");
            assertEquals("1", registry.get("used"));
            assertTrue(Integer.parseInt(registry.get("memtotal")) >= sql.length(), "its text is counted: " + registry);
            assertEquals(1, used(admin, "server_prepared_statement_cache"), "prepared on the one server");
        }
    }

    @Test
    void clientsWithTheSameParametersShareOneMap() throws Exception {
        try (Connection admin = admin(); Connection first = connectAs("odoo-100001")) {
            int afterFirst = used(admin, "parameter_map_intern");
            int valuesAfterFirst = used(admin, "parameter_value_intern");
            try (Connection second = connectAs("odoo-100001"); Connection third = connectAs("odoo-100001")) {
                assertEquals(afterFirst, used(admin, "parameter_map_intern"), "the same values: no new map");
                assertEquals(valuesAfterFirst, used(admin, "parameter_value_intern"));
                try (Connection other = connectAs("odoo-100002")) {
                    assertEquals(afterFirst, used(admin, "parameter_map_intern"),
                            "another application_name: its other values are still the shared map");
                    assertEquals(valuesAfterFirst, used(admin, "parameter_value_intern"), "a client's own name is not interned");
                    Properties withOption = new Properties();
                    withOption.setProperty("ApplicationName", "odoo-100001");
                    withOption.setProperty("options", "-c TimeZone=Asia/Tokyo"); // PgJDBC sends options last: it wins
                    try (Connection elsewhere = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, withOption)) {
                        assertTrue(used(admin, "parameter_map_intern") > afterFirst, "another time zone: a map of its own");
                        assertTrue(used(admin, "parameter_value_intern") > valuesAfterFirst, "and one more value");
                    }
                }
            }
        }
    }

    private Connection connectAs(String applicationName) throws SQLException {
        Properties props = new Properties();
        props.setProperty("ApplicationName", applicationName);
        return pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, props);
    }

    @Test
    void heapRowsAddUp() throws Exception {
        try (Connection admin = admin()) {
            Map<String, String> heap = row(admin, "jvm_heap");
            long size = Long.parseLong(heap.get("size"));
            long used = Long.parseLong(heap.get("used"));
            long free = Long.parseLong(heap.get("free"));
            assertEquals(1024, size);
            assertTrue(used > 0, heap.toString());
            assertEquals(size * (used + free), Long.parseLong(heap.get("memtotal")), "memtotal = size x (used + free)");
            assertTrue(Long.parseLong(row(admin, "iobuf_cache").get("memtotal")) >= 0);
        }
    }

    private Connection admin() throws SQLException {
        return pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
    }

    private static int used(Connection admin, String name) throws SQLException {
        return Integer.parseInt(row(admin, name).get("used"));
    }

    private static Map<String, String> row(Connection admin, String name) throws SQLException {
        Map<String, String> found = new LinkedHashMap<>();
        for (Map<String, String> r : rows(admin, "SHOW MEM")) {
            if (r.get("name").equals(name)) {
                found = r;
            }
        }
        assertTrue(!found.isEmpty(), "no row " + name);
        return found;
    }
}
