package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PgBouncer's disable_pqexec: a logged-in client that sends a simple Query (which may carry several
 * statements in one string) gets 08P01 "PQexec disallowed" and is closed; the extended protocol works.
 */
@PoolerTest
class DisablePqexecTest {
    private final PoolerFixture pooler;

    DisablePqexecTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD)
                .set("pool_mode", "transaction")
                .set("disable_pqexec", "1")
                .start();
    }

    /**
     * PgJDBC sends its session settings in the startup packet instead of a simple Query after login once
     * it may assume a server of 9.0 or later; a client that must run under disable_pqexec sets that.
     */
    private Connection connectExtendedOnly() throws SQLException {
        Properties extendedOnly = new Properties();
        extendedOnly.setProperty("assumeMinServerVersion", "10");
        return pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, extendedOnly);
    }

    @Test
    void theExtendedProtocolWorks() throws Exception {
        try (Connection c = connectExtendedOnly();
             PreparedStatement ps = c.prepareStatement("select ?::int + 1")) {
            ps.setInt(1, 41);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
        }
    }

    @Test
    void aSimpleQueryIsRefusedAndItsClientClosed() throws Exception {
        Properties noSetupQueries = new Properties();
        noSetupQueries.setProperty("assumeMinServerVersion", "10");
        try (Connection simple = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD, noSetupQueries);
             Statement st = simple.createStatement()) {
            SQLException refused = assertThrows(SQLException.class, () -> st.executeQuery("select 1; select 2"));
            assertEquals("08P01", refused.getSQLState());
            assertTrue(refused.getMessage().contains("PQexec disallowed"), refused.getMessage());
            assertThrows(SQLException.class, () -> st.executeQuery("select 3"), "the connection is closed");
        }
        try (Connection other = connectExtendedOnly();
             PreparedStatement ps = other.prepareStatement("select 7")) {
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(7, rs.getInt(1), "another client is unharmed");
            }
        }
    }
}
