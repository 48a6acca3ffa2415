package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cancel requests routed to the right server, and reloads that change what logins accept. */
@PoolerTest
class CancelAndReloadTest {
    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    CancelAndReloadTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler;
    }

    @Test
    void cancelDuringPgSleepCancelsThatQueryOnly() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).start();
        try (Connection sleeper = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection bystander = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Statement st = sleeper.createStatement()) {
            long start = System.nanoTime();
            CompletableFuture<SQLException> sleeping = CompletableFuture.supplyAsync(() -> {
                try {
                    st.execute("select pg_sleep(30)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            Await.until(Duration.ofSeconds(10), quietly(() -> sleepingQueries(pg) == 1), "pg_sleep is running");
            st.cancel(); // PgJDBC sends a CancelRequest with the key the pooler gave it
            SQLException e = sleeping.get(10, TimeUnit.SECONDS);
            assertTrue(e != null, "the query was cancelled");
            assertEquals("57014", e.getSQLState());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
            assertEquals("1", queryString(sleeper, "select 1"), "the session goes on after a cancel");
            assertEquals("1", queryString(bystander, "select 1"));
        }
    }

    @Test
    void reloadAppliesAChangedPasswordWithoutDroppingConnections() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).start();
        try (Connection open = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            pg.createRole(SCRAM_USER, "rotated", "scram-sha-256");
            try {
                pooler.user(SCRAM_USER, "rotated");
                assertTrue(pooler.reload().isEmpty());
                assertEquals("1", queryString(open, "select 1"), "the open connection survives the reload");
                SQLException old = assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD));
                assertEquals("28P01", old.getSQLState());
                try (Connection c = pooler.connect(DB, SCRAM_USER, "rotated")) {
                    assertEquals(SCRAM_USER, queryString(c, "select current_user"));
                }
            } finally {
                pg.createRole(SCRAM_USER, SCRAM_PASSWORD, "scram-sha-256");
            }
        }
    }

    @Test
    void aBrokenConfigOnReloadKeepsTheRunningOne() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).start();
        pooler.set("default_pool_size", "many");
        var refused = pooler.reload();
        assertTrue(refused.isPresent());
        assertTrue(refused.get().contains("pooler.ini:") && refused.get().contains("default_pool_size"), refused.get());
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(c, "select 1"));
        }
    }

    /** Backends running a pg_sleep, as PostgreSQL reports them. */
    static int sleepingQueries(PostgresInstance pg) throws SQLException {
        try (Connection su = pg.connectAsSuperuser("postgres")) {
            return Integer.parseInt(queryString(su,
                    "select count(*) from pg_stat_activity where state = 'active' and query like 'select pg_sleep%'"));
        }
    }
}
