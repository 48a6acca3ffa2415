package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PgBouncer's server_reset_query_always: server_reset_query runs in session pooling only, unless this is
 * 1, when it runs in every pool mode whenever a server is released ({@code release_server} sends the
 * server to SV_TESTED whatever the mode). In transaction pooling a server is released at the end of each
 * transaction, so the reset runs after every transaction while the client stays connected, not when the
 * client leaves (it holds no server then).
 *
 * <p>The reset query counts its runs in a table read directly; one server (default_pool_size 1), so what a
 * client reads inside a transaction is the number of resets before it: a reset is done before the server
 * goes to anyone, its own client included.
 */
@PoolerTest
class ResetQueryAlwaysTest {
    private static final String COUNTER = "reset_query_always_runs";

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    ResetQueryAlwaysTest(PostgresInstance pg, PoolerFixture pooler) throws SQLException {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD)
                .set("default_pool_size", "1")
                .set("server_reset_query", "update " + COUNTER + " set n = n + 1");
        try (Connection su = pg.connectAsSuperuser(DB); Statement st = su.createStatement()) {
            st.execute("drop table if exists " + COUNTER);
            st.execute("create table " + COUNTER + " (n int not null)");
            st.execute("insert into " + COUNTER + " values (0)");
            st.execute("grant select, update on " + COUNTER + " to " + SCRAM_USER);
        }
    }

    @Test
    void withItOnTheResetRunsAfterEachTransactionInTransactionPooling() throws Exception {
        pooler.set("pool_mode", "transaction").set("server_reset_query_always", "1").start();
        try (Connection c = connect()) {
            for (int k = 0; k < 3; k++) {
                assertEquals(k, runsSeenBy(c), "transaction " + k + " follows the resets of the " + k + " before it");
            }
            c.setAutoCommit(false); // a transaction of several statements is released once, at its end
            assertEquals(3, runsSeenBy(c));
            assertEquals(3, runsSeenBy(c), "no reset inside a transaction");
            c.commit();
            c.setAutoCommit(true);
            assertEquals(4, runsSeenBy(c), "the reset ran after the COMMIT");
        }
        try (Connection next = connect()) {
            assertEquals(5, runsSeenBy(next), "the first client's last transaction was reset, its leaving was not");
        }
        Await.until(Duration.ofSeconds(10), quietly(() -> runsOnPostgres() == 6), "the last transaction's reset ran");
    }

    @Test
    void withItOffTheDefaultNoResetRunsInTransactionPooling() throws Exception {
        pooler.set("pool_mode", "transaction").start();
        try (Connection c = connect()) {
            for (int k = 0; k < 3; k++) {
                assertEquals(0, runsSeenBy(c), "transaction " + k);
            }
        }
        try (Connection next = connect()) {
            assertEquals(0, runsSeenBy(next), "nor when a client leaves");
        }
        assertEquals(0, runsOnPostgres());
    }

    /** The control: with it off, session pooling still resets, when the client leaves; the reset query works. */
    @Test
    void withItOffSessionPoolingResetsWhenTheClientLeaves() throws Exception {
        pooler.set("pool_mode", "session").start();
        try (Connection c = connect()) {
            for (int k = 0; k < 3; k++) {
                assertEquals(0, runsSeenBy(c), "transaction " + k + " of the session");
            }
        }
        try (Connection next = connect()) {
            assertEquals(1, runsSeenBy(next), "reset once, when the first client left");
        }
    }

    /**
     * PgJDBC, told the server is 9.0 or later, so that it sends extra_float_digits and application_name in
     * its StartupMessage rather than running a SET after the login, a transaction of its own to count.
     */
    private Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("assumeMinServerVersion", "9.0");
        return pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p);
    }

    private static int runsSeenBy(Connection c) throws SQLException {
        return Integer.parseInt(queryString(c, "select n from " + COUNTER));
    }

    private int runsOnPostgres() throws SQLException {
        try (Connection su = pg.connectAsSuperuser(DB)) {
            return Integer.parseInt(queryString(su, "select n from " + COUNTER));
        }
    }
}
