package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.pool;
import static io.pooler.server.it.CancelAndReloadTest.sleepingQueries;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * SHOW POOLS' cancel columns are the lengths of the pool's cancel lists: after a run of cancelled
 * queries every cancel request has left them, and the cancelled server is back in sv_idle, in no
 * sv_being_canceled list. The counts while a cancel is in flight are tested on a hand-driven shard
 * (PoolShardTest): here the cancel connections live for a few milliseconds only.
 */
@PoolerTest
class CancelCountsTest {
    private static final List<String> CANCEL_COLUMNS =
            List.of("cl_active_cancel_req", "cl_waiting_cancel_req", "sv_active_cancel", "sv_being_canceled");

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    CancelCountsTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("default_pool_size", "1").set("worker_threads", "2").start();
    }

    @Test
    void cancelRequestsLeaveTheCancelListsAndTheServerGoesBackToIdle() throws Exception {
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
             Connection sleeper = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Statement st = sleeper.createStatement()) {
            for (int round = 0; round < 5; round++) {
                CompletableFuture<SQLException> sleeping = CompletableFuture.supplyAsync(() -> {
                    try {
                        st.execute("select pg_sleep(30)");
                        return null;
                    } catch (SQLException e) {
                        return e;
                    }
                });
                Await.until(Duration.ofSeconds(10), quietly(() -> sleepingQueries(pg) == 1), "pg_sleep is running");
                st.cancel();
                SQLException e = sleeping.get(10, TimeUnit.SECONDS);
                assertEquals("57014", e == null ? null : e.getSQLState(), "round " + round + ": the query was cancelled");
            }
            Await.until(Duration.ofSeconds(10), quietly(() -> {
                Map<String, String> row = pool(admin, DB, SCRAM_USER);
                return CANCEL_COLUMNS.stream().allMatch(c -> intValue(row, c) == 0) && intValue(row, "sv_idle") == 1;
            }), () -> "cancel columns back to 0 and the server idle");
            Map<String, String> row = pool(admin, DB, SCRAM_USER);
            assertEquals(0, intValue(row, "sv_active"));
            assertEquals("1", queryString(sleeper, "select 1"), "the session goes on after the cancels");
        }
    }
}
