package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PgBouncer 1.25's {@code query_wait_notify}: a client that has waited for a server more than that many
 * seconds is sent one NOTICE per wait ("No server connection available in postgres backend, client being
 * queued", SQLSTATE 00000) and goes on waiting; 0 turns it off, and RELOAD changes it.
 */
@PoolerTest
class QueryWaitNotifyTest {
    private static final String QUEUED = "No server connection available in postgres backend, client being queued";
    private final PoolerFixture pooler;

    QueryWaitNotifyTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("default_pool_size", "1");
    }

    /**
     * One session holds the only server for {@code holdMillis}; another runs a query meanwhile, waits,
     * and gets its answer once the first leaves. Returns the notices the waiting query received.
     */
    private List<String> waitBehindAnotherSession(long holdMillis) throws Exception {
        // No setup queries at connect: the waiter logs in without taking the server, and waits at its query.
        Properties noSetupQueries = new Properties();
        noSetupQueries.setProperty("assumeMinServerVersion", "10");
        try (Connection waiter = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, noSetupQueries)) {
            CompletableFuture<List<String>> notices;
            try (Connection holder = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, noSetupQueries)) {
                queryString(holder, "select 1"); // the session pool's only server is now this session's
                notices = CompletableFuture.supplyAsync(() -> {
                    try (Statement s = waiter.createStatement(); ResultSet rs = s.executeQuery("select 42")) {
                        rs.next();
                        assertEquals(42, rs.getInt(1));
                        List<String> seen = new ArrayList<>();
                        for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                            seen.add(w.getSQLState() + " " + w.getMessage());
                        }
                        return seen;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(holdMillis); // the waiting is the behaviour under test
            }
            return notices.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void oneNoticePerWaitThenTheQueryRuns() throws Exception {
        pooler.set("query_wait_notify", "1").start();
        // Past 1 s of waiting the notice is due; 4 s is several janitor ticks, yet one notice only.
        assertEquals(List.of("00000 " + QUEUED), waitBehindAnotherSession(4000));
    }

    @Test
    void zeroTurnsItOffOnReload() throws Exception {
        pooler.set("query_wait_notify", "1").start();
        pooler.set("query_wait_notify", "0");
        assertEquals(Optional.empty(), pooler.reload());
        assertEquals(List.of(), waitBehindAnotherSession(3000));
    }

    @Test
    void aShortWaitUnderTheDefaultGetsNone() throws Exception {
        pooler.start(); // default 5 s
        assertEquals(List.of(), waitBehindAnotherSession(2000));
    }
}
