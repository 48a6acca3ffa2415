package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.pool;
import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_PASSWORD;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console counts clients without listing them (only SHOW CLIENTS, SOCKETS, FDS and KILL_CLIENT
 * build every client's row): SHOW DATABASES, SHOW USERS, SHOW LISTS, SHOW MEM and SHOW POOLS' console row
 * must still count exactly the clients SHOW CLIENTS lists, on two loops, with consoles connected, with
 * the pooler's own user of a server in a pool's lists (the LISTEN hub), which SHOW CLIENTS does not list,
 * and with a database whose user is forced, where SHOW USERS counts a client under the user it logged in
 * as rather than the pool's.
 */
@PoolerTest
class ConsoleClientCountsTest {
    private final PoolerFixture pooler;

    ConsoleClientCountsTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).user(MD5_USER, MD5_PASSWORD)
                .database(FORCED, "host=" + pg.host() + " port=" + pg.port() + " dbname=" + DB + " user=" + SCRAM_USER
                        + " password=" + SCRAM_PASSWORD)
                .set("admin_users", SCRAM_USER).set("pool_mode", "transaction")
                .set("worker_threads", "2").start();
    }

    private static final String FORCED = "forced";

    @Test
    void countsAgreeWithTheListedClients() throws Exception {
        List<Connection> clients = new ArrayList<>();
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
             Connection otherConsole = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            for (int i = 0; i < 5; i++) {
                clients.add(pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD));
            }
            for (int i = 0; i < 3; i++) {
                clients.add(pooler.connectSimple(DB, MD5_USER, MD5_PASSWORD));
            }
            for (int i = 0; i < 2; i++) {
                clients.add(pooler.connectSimple(FORCED, MD5_USER, MD5_PASSWORD)); // the pool forced/it_scram
            }
            try (Statement st = clients.get(0).createStatement()) {
                st.execute("LISTEN console_counts"); // the pool's LISTEN hub holds a server as a client of its own
            }
            Await.until(Duration.ofSeconds(10),
                    quietly(() -> intValue(pool(admin, DB, SCRAM_USER), "cl_active") == 6),
                    "the five clients and the LISTEN hub are the pool's active clients");

            List<Map<String, String>> listed = rows(admin, "SHOW CLIENTS");
            assertEquals(5 + 3 + 2 + 2, listed.size(), "SHOW CLIENTS lists the clients and the consoles: " + listed);
            Map<String, Integer> byDatabase = new TreeMap<>();
            Map<String, Integer> byUser = new TreeMap<>();
            for (Map<String, String> c : listed) {
                byDatabase.merge(c.get("database"), 1, Integer::sum);
                byUser.merge(c.get("user"), 1, Integer::sum);
            }

            for (Map<String, String> db : rows(admin, "SHOW DATABASES")) {
                assertEquals(byDatabase.getOrDefault(db.get("name"), 0), intValue(db, "current_client_connections"),
                        "SHOW DATABASES " + db);
            }
            for (Map<String, String> user : rows(admin, "SHOW USERS")) {
                assertEquals(byUser.getOrDefault(user.get("name"), 0), intValue(user, "current_client_connections"),
                        "SHOW USERS " + user);
            }
            assertTrue(byUser.get(MD5_USER) == 5 && byDatabase.get(FORCED) == 2 && byDatabase.get("pgbouncer") == 2,
                    listed.toString());

            Map<String, Integer> lists = new TreeMap<>();
            for (Map<String, String> row : rows(admin, "SHOW LISTS")) {
                lists.put(row.get("list"), intValue(row, "items"));
            }
            assertEquals(listed.size(), lists.get("used_clients") - lists.get("login_clients"), lists.toString());

            Map<String, String> clientCache = rows(admin, "SHOW MEM").stream()
                    .filter(r -> r.get("name").equals("client_cache")).findFirst().orElseThrow();
            assertEquals(lists.get("used_clients"), intValue(clientCache, "used"), clientCache.toString());

            assertEquals(2, intValue(pool(admin, "pgbouncer", "pgbouncer"), "cl_active"), "the consoles' row");
        } finally {
            for (Connection c : clients) {
                c.close();
            }
        }
    }
}
