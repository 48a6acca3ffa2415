package io.pooler.server.it;

import io.pooler.testing.Await;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.pool;
import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PgBouncer's server_round_robin: by default an idle server is lent LIFO (the one used last goes out
 * first, so one client's transactions in a row all run on one backend); with server_round_robin = 1 idle
 * servers are lent in turn. One event loop, so all three servers are in the client's shard.
 */
@PoolerTest
class ServerRoundRobinTest {
    private static final int SERVERS = 3;
    private static final int TRANSACTIONS = 2 * SERVERS;

    private final PoolerFixture pooler;

    ServerRoundRobinTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD)
                .set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction")
                .set("worker_threads", "1")
                .set("default_pool_size", String.valueOf(SERVERS))
                .set("min_pool_size", String.valueOf(SERVERS))
                .start();
    }

    /** The backend of each of {@link #TRANSACTIONS} transactions in a row, one at a time. */
    private static List<String> backendsInARow(Connection client) throws Exception {
        List<String> pids = new ArrayList<>();
        for (int i = 0; i < TRANSACTIONS; i++) {
            pids.add(queryString(client, "select pg_backend_pid()"));
        }
        return pids;
    }

    @Test
    void idleServersAreLentLastUsedFirstUnlessRoundRobinIsSet() throws Exception {
        try (Connection client = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            queryString(client, "select 1");
            Await.until(Duration.ofSeconds(10), quietly(() -> {
                Map<String, String> row = pool(admin, DB, SCRAM_USER);
                return intValue(row, "sv_idle") + intValue(row, "sv_used") == SERVERS;
            }), "min_pool_size opened " + SERVERS + " servers");

            List<String> lifo = backendsInARow(client);
            assertEquals(1, new HashSet<>(lifo).size(), "LIFO: every transaction on the server used last " + lifo);

            rows(admin, "SET server_round_robin = 1");
            List<String> roundRobin = backendsInARow(client);
            assertEquals(SERVERS, new HashSet<>(roundRobin).size(), "round robin: every server in turn " + roundRobin);
            for (int i = SERVERS; i < TRANSACTIONS; i++) {
                assertEquals(roundRobin.get(i - SERVERS), roundRobin.get(i), "in the same order each turn " + roundRobin);
            }
        }
    }
}
