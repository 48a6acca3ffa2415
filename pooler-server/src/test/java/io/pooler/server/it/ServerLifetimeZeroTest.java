package io.pooler.server.it;

import io.pooler.testing.Await;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PgBouncer's {@code server_lifetime = 0}: "the connection is to be used only once, then closed". A new
 * server serves the client it was opened for, and is closed when that client releases it; it is not
 * closed straight after its login (issue 12, bug 4: it was, in a loop, and the query never ran).
 */
@PoolerTest
class ServerLifetimeZeroTest {
    private final PoolerFixture pooler;

    ServerLifetimeZeroTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("server_lifetime", "0").start();
    }

    @Test
    void eachTransactionGetsAFreshServerClosedAtRelease() throws Exception {
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            Set<String> pids = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                pids.add(queryString(c, "select pg_backend_pid()::text"));
            }
            assertEquals(3, pids.size(), "a server is used once: every transaction had its own backend " + pids);
            Await.until(Duration.ofSeconds(10), quietly(() -> rows(admin, "SHOW SERVERS").isEmpty()),
                    "every server is closed after its one use");
        }
    }
}
