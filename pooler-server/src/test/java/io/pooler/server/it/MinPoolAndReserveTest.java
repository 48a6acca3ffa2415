package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * min_pool_size and the reserve pool as PgBouncer 1.25 documents and implements them (config.md;
 * janitor.c check_pool_size and do_full_maint; server.c pool_res_pool_size): min_pool_size is kept for a
 * database entry with a forced user even before any client comes, and for other pools only while a
 * client is connected; reserve_pool_size comes from the [users] entry, else the [databases] entry (also
 * under its old name reserve_pool), else the global value; a reserve_pool_timeout of 0 disables it.
 */
@PoolerTest
class MinPoolAndReserveTest {
    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    MinPoolAndReserveTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction");
    }

    @Test
    void aForcedUserDatabaseIsFilledToMinPoolSizeBeforeAnyClientComes() throws Exception {
        pooler.database("warm", "host=" + pg.host() + " port=" + pg.port() + " dbname=" + DB + " user=" + SCRAM_USER
                + " password=" + SCRAM_PASSWORD + " min_pool_size=2").start();
        Await.until(Duration.ofSeconds(15), () -> servers("warm") == 2, () -> "2 servers of warm, now " + servers("warm"));
        Thread.sleep(1000); // several janitor rounds: no more than min_pool_size
        assertEquals(2, servers("warm"));
    }

    @Test
    void withoutAForcedUserMinPoolSizeIsKeptOnlyWhileAClientIsConnected() throws Exception {
        pooler.set("min_pool_size", "2").start();
        try (Connection admin = admin()) {
            try (Connection c = client()) {
                queryString(c, "select 1");
                Await.until(Duration.ofSeconds(15), () -> servers(DB) == 2, () -> "filled while connected: " + servers(DB));
            }
            rows(admin, "RECONNECT " + DB); // closes the idle servers
            Await.until(Duration.ofSeconds(10), () -> servers(DB) == 0, () -> "closed by RECONNECT: " + servers(DB));
            Thread.sleep(1500); // several janitor rounds with no client: nothing is opened
            assertEquals(0, servers(DB), "no client, no forced user: not refilled");
            try (Connection c = client()) {
                Await.until(Duration.ofSeconds(15), () -> servers(DB) == 2, () -> "refilled for a client: " + servers(DB));
            }
        }
    }

    @Test
    void theGlobalReservePoolServesAClientThatWaitedReservePoolTimeout() throws Exception {
        pooler.set("reserve_pool_size", "1");
        assertTrue(servedFromReserve());
    }

    @Test
    void theDatabaseEntrysReservePoolUnderItsOldNameWinsOverTheGlobalOne() throws Exception {
        pooler.set("reserve_pool_size", "0").databases().put(DB, "host=" + pg.host() + " port=" + pg.port()
                + " reserve_pool=1");
        assertTrue(servedFromReserve());
    }

    @Test
    void theUsersEntryWinsOverTheDatabaseEntry() throws Exception {
        pooler.databases().put(DB, "host=" + pg.host() + " port=" + pg.port() + " reserve_pool_size=1");
        pooler.userSettings(SCRAM_USER, "reserve_pool_size=0");
        assertFalse(servedFromReserve());
    }

    @Test
    void aUsersEntryAloneGivesAReserve() throws Exception {
        pooler.userSettings(SCRAM_USER, "reserve_pool_size=1");
        assertTrue(servedFromReserve());
    }

    @Test
    void aReservePoolTimeoutOfZeroDisablesTheReserve() throws Exception {
        pooler.set("reserve_pool_size", "1");
        assertFalse(servedFromReserve("0"));
    }

    private boolean servedFromReserve() throws Exception {
        return servedFromReserve("0.5");
    }

    /**
     * With pool_size 1 held by a transaction, whether a second client is served (by a reserve server)
     * before query_wait_timeout fails it.
     */
    private boolean servedFromReserve(String reserveTimeout) throws Exception {
        pooler.set("default_pool_size", "1").set("reserve_pool_timeout", reserveTimeout)
                .set("query_wait_timeout", "3").start();
        try (Connection holder = client(); Connection waiter = client()) {
            holder.setAutoCommit(false);
            queryString(holder, "select 1");
            CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> {
                try {
                    return queryString(waiter, "select 2");
                } catch (SQLException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }, runnable -> new Thread(runnable, "reserve-test").start());
            try {
                assertEquals("2", second.get(20, TimeUnit.SECONDS));
                return true;
            } catch (ExecutionException e) {
                assertTrue(String.valueOf(e.getCause().getMessage()).contains("query_wait_timeout"), e.getCause().getMessage());
                return false;
            } finally {
                holder.rollback();
            }
        }
    }

    private int servers(String database) {
        return pooler.server().poolSnapshots().stream().filter(p -> p.key().database().equals(database))
                .mapToInt(io.pooler.pool.PoolSnapshot::totalServers).sum();
    }

    private Connection admin() throws SQLException {
        return pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
    }

    private Connection client() throws SQLException {
        return pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
    }
}
