package io.pooler.server.it;

import io.pooler.pool.PoolSnapshot;
import io.pooler.testing.Await;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PgBouncer's check_pool_size (janitor.c): once a RELOAD lowers pool_size (+ reserve_pool_size), the
 * janitor closes unused servers above it, with "too many servers in the pool", and leaves linked ones.
 */
@PoolerTest
class PoolSizeCheckTest {
    private final PoolerFixture pooler;

    PoolSizeCheckTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("default_pool_size", "4")
                .set("server_idle_timeout", "0"); // nothing else closes idle servers here
    }

    @Test
    void aLowerPoolSizeClosesTheUnusedServersAboveIt() throws Exception {
        pooler.start();
        List<Connection> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) { // session pooling: one server each
                Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
                queryString(c, "select 1");
                clients.add(c);
            }
            assertEquals(4, pool().totalServers());
            for (int i = 0; i < 3; i++) {
                clients.remove(clients.size() - 1).close(); // 3 idle, 1 linked
            }
            Await.until(Duration.ofSeconds(10), () -> pool().svActive() == 1 && idle() == 3, () -> "before: " + pool());

            pooler.set("default_pool_size", "2").set("reserve_pool_size", "0").reload();
            // 4 servers against 2: two idle ones close; the linked one stays.
            Await.until(Duration.ofSeconds(10), () -> pool().totalServers() == 2, () -> "after RELOAD: " + pool());
            Thread.sleep(1000); // several janitor rounds: no more than that
            assertEquals(2, pool().totalServers(), pool().toString());
            assertEquals(1, pool().svActive(), "the linked server stays");
            assertEquals("1", queryString(clients.get(0), "select 1"));

            pooler.set("reserve_pool_size", "1").set("default_pool_size", "1").reload();
            Thread.sleep(1000); // pool_size + reserve = 2: nothing more to close
            assertEquals(2, pool().totalServers(), pool().toString());
        } finally {
            for (Connection c : clients) {
                c.close();
            }
        }
    }

    private int idle() {
        PoolSnapshot p = pool();
        return p.svIdle() + p.svUsed();
    }

    private PoolSnapshot pool() {
        return pooler.server().poolSnapshots().stream().filter(p -> p.key().database().equals(DB)).findFirst()
                .orElseThrow();
    }
}
