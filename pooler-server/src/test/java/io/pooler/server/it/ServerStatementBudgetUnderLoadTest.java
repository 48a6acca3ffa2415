package io.pooler.server.it;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.ExtendedProtocol.bind;
import static io.pooler.server.it.ExtendedProtocol.closeStatement;
import static io.pooler.server.it.ExtendedProtocol.execute;
import static io.pooler.server.it.ExtendedProtocol.parse;
import static io.pooler.server.it.ExtendedProtocol.sync;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pooler.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The budget of all servers' statement caches (ServerStatements) counted right while clients on both
 * event loops prepare distinct statements at once on three servers that move between the loops: no
 * more than the budget is held once the servers are back in the pool, and nothing once they are gone
 * (SHOW MEM's server_prepared_statement_cache memtotal). A count that lost an update either way would
 * show here, and the budget would shrink or grow for good.
 */
@PoolerTest
class ServerStatementBudgetUnderLoadTest {
    private static final String BUDGET_PROPERTY = "pooler.prepared.maxServerBytes";
    private static final int BUDGET = 256 * 1024;
    private static final int PADDING = 48 * 1024;
    private static final int CLIENTS = 4;
    private static final int STATEMENTS_EACH = 15;

    private final PoolerFixture pooler;
    private final AtomicInteger statements = new AtomicInteger();

    ServerStatementBudgetUnderLoadTest(PoolerFixture pooler) throws Exception {
        System.setProperty(BUDGET_PROPERTY, String.valueOf(BUDGET));
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("auth_type", "trust")
                .set("admin_users", SCRAM_USER).set("pool_mode", "transaction").set("default_pool_size", "3")
                .set("pin_on_session_state", "0").start();
    }

    @AfterEach
    void defaultBudget() {
        System.clearProperty(BUDGET_PROPERTY);
    }

    @Test
    void theCountStaysRightWhileClientsOnBothLoopsPrepareAtOnceAndComesBackToZero() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                done.add(threads.submit(() -> {
                    try (RawPgClient raw = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
                        raw.setReadTimeout(30_000);
                        for (int i = 0; i < STATEMENTS_EACH; i++) {
                            runAndClose(raw, "c" + client + "_" + i);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            Await.until(Duration.ofSeconds(10), quietly(() -> {
                var pool = AdminRows.pool(admin, DB, SCRAM_USER);
                return intValue(pool, "sv_active") == 0 && intValue(pool, "sv_used") == 0;
            }), "the servers back in the pool");
            long held = serverCacheBytes(admin);
            assertTrue(held > 0 && held <= BUDGET, "held " + held + " bytes, budget " + BUDGET);

            rows(admin, "KILL " + DB);
            Await.until(Duration.ofSeconds(10), quietly(() -> rows(admin, "SHOW SERVERS").isEmpty()), "the servers gone");
            assertEquals(0, serverCacheBytes(admin), "every server gave its statements' bytes back");
        } finally {
            threads.shutdownNow();
        }
    }

    private void runAndClose(RawPgClient client, String name) throws Exception {
        String sql = "SELECT 1 /* " + statements.incrementAndGet() + " " + "x".repeat(PADDING) + " */";
        client.write(concat(parse(name, sql), bind(name), execute(), sync()));
        RawPgClient.Message m;
        while ((m = client.read()) != null && m.type() != 'Z') {
            assertTrue(m.type() != 'E', name + ": " + (m.type() == 'E' ? m.error() : ""));
        }
        client.write(concat(closeStatement(name), sync()));
        client.readUntil('Z');
    }

    private static long serverCacheBytes(Connection admin) throws Exception {
        return rows(admin, "SHOW MEM").stream().filter(r -> "server_prepared_statement_cache".equals(r.get("name")))
                .mapToLong(r -> Long.parseLong(r.get("memtotal"))).sum();
    }
}
