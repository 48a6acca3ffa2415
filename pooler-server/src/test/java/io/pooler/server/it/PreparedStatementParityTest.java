package io.pooler.server.it;

import static io.pooler.server.it.ExtendedProtocol.bind;
import static io.pooler.server.it.ExtendedProtocol.closeStatement;
import static io.pooler.server.it.ExtendedProtocol.describeStatement;
import static io.pooler.server.it.ExtendedProtocol.execute;
import static io.pooler.server.it.ExtendedProtocol.parse;
import static io.pooler.server.it.ExtendedProtocol.sync;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Protocol-level prepared statements in transaction pooling, as PgBouncer 1.21+ handles them
 * (max_prepared_statements) and as a direct connection to PostgreSQL answers them: DEALLOCATE ALL and
 * DISCARD ALL drop the client's statements, each server's cache keeps at most max_prepared_statements,
 * a name in use is refused (42P05), an unknown one is reported (26000), and names longer than
 * PgBouncer's packet buffer (pkt_buf, 4 kB) work.
 */
@PoolerTest
class PreparedStatementParityTest {
    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    PreparedStatementParityTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("pool_mode", "transaction")
                .set("default_pool_size", "1").set("auth_type", "trust");
    }

    /**
     * The pooler's own reset (server_reset_query_always) drops the server's statements, not the client's:
     * a client's statement survives the DISCARD ALL run on the server it used, after its transaction,
     * and on the next one is prepared again where needed. The reset's answer once emptied the last
     * client's statements, so its next Bind got 26000, and from the server's loop whatever loop the
     * client was on by then.
     */
    @Test
    void theResetQueryKeepsTheClientsStatements() throws Exception {
        pooler.set("server_reset_query_always", "1").start();
        try (RawPgClient raw = trustedRaw()) {
            raw.write(RawPgClient.concat(parse("s1", "SELECT 1"), sync()));
            raw.readUntil('Z');
            for (int i = 0; i < 3; i++) {
                raw.write(RawPgClient.concat(bind("s1"), execute(), sync()));
                RawPgClient.Message m;
                boolean row = false;
                while ((m = raw.read()) != null && m.type() != 'Z') {
                    assertTrue(m.type() != 'E', "Bind of s1 after reset " + i + " failed: " + new String(m.body(),
                            java.nio.charset.StandardCharsets.UTF_8));
                    row |= m.type() == 'D';
                }
                assertTrue(row, "a row from s1 in round " + i);
            }
        }
    }

    /** As PgBouncer's test_deallocate_all; PostgreSQL then says the statement does not exist (26000). */
    @Test
    void deallocateAllDropsTheClientsStatements() throws Exception {
        pooler.start();
        statementGoneAfter("DEALLOCATE ALL");
    }

    /** As PgBouncer's test_discard_all. */
    @Test
    void discardAllDropsTheClientsStatements() throws Exception {
        pooler.start();
        statementGoneAfter("DISCARD ALL");
    }

    private void statementGoneAfter(String sql) throws Exception {
        try (Connection c1 = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, named());
             Connection c2 = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, named());
             PreparedStatement p1 = c1.prepareStatement("SELECT 1");
             PreparedStatement p2 = c2.prepareStatement("SELECT 1");
             Statement s1 = c1.createStatement()) {
            assertEquals(1, single(p1));
            assertEquals(1, single(p1));
            assertEquals(1, single(p2)); // both clients hold the statement the server prepared once
            s1.execute(sql);
            assertEquals(1, single(p2)); // the other client's is prepared again where needed
            // PgJDBC itself forgets its statements when it sees the DEALLOCATE ALL / DISCARD ALL tag and
            // parses again: it goes on working. What PostgreSQL answers a client that does not is below.
            assertEquals(1, single(p1));
        }
        try (RawPgClient raw = trustedRaw()) {
            raw.write(RawPgClient.concat(parse("s1", "SELECT 1"), sync()));
            raw.readUntil('Z');
            raw.write(RawPgClient.concat(RawPgClient.query(sql)));
            raw.readUntil('Z');
            raw.write(RawPgClient.concat(bind("s1"), execute(), sync()));
            RawPgClient.Message error = raw.read();
            assertEquals('E', error.type(), "the statement is gone after " + sql + ", got " + error.type());
            assertEquals("26000", error.error().sqlState(), error.error().toString());
            assertEquals("prepared statement \"s1\" does not exist", error.error().message());
            raw.readUntil('Z');
            raw.write(RawPgClient.concat(parse("s1", "SELECT 2"), bind("s1"), execute(), sync()));
            assertEquals('1', raw.read().type()); // the name is free again
        }
    }

    /**
     * As PgBouncer's test_evict_statement_cache: one server keeps at most max_prepared_statements, least
     * recently used out first; a RELOAD applies to the clients already connected, at their next Parse.
     */
    @Test
    void eachServerKeepsAtMostMaxPreparedStatements() throws Exception {
        pooler.set("max_prepared_statements", "2").start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, named())) {
            prepareAndRun(c, 0, 5);
            List<String> held = serverStatements(c);
            assertEquals(2, held.size(), held.toString()); // the least recently used were closed on the server
            assertTrue(held.stream().allMatch(n -> n.startsWith("POOLER_")), held.toString());
            prepareAndRun(c, 0, 1); // prepared again on the server when used again

            pooler.set("max_prepared_statements", "5");
            assertEquals(java.util.Optional.empty(), pooler.reload());
            prepareAndRun(c, 5, 10);
            assertEquals(5, serverStatements(c).size());

            pooler.set("max_prepared_statements", "2");
            assertEquals(java.util.Optional.empty(), pooler.reload());
            assertEquals(5, serverStatements(c).size()); // nothing is closed until the next Parse
            prepareAndRun(c, 10, 11);
            assertEquals(2, serverStatements(c).size());
        }
    }

    private static void prepareAndRun(Connection c, int from, int to) throws SQLException {
        for (int i = from; i < to; i++) {
            try (PreparedStatement p = c.prepareStatement("SELECT " + i)) {
                assertEquals(i, single(p));
            }
        }
    }

    /** The statements of the client's server session (a plain Statement is unnamed, so not one of them). */
    private static List<String> serverStatements(Connection c) throws SQLException {
        List<String> held = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM pg_prepared_statements ORDER BY prepare_time")) {
            while (rs.next()) {
                held.add(rs.getString(1));
            }
        }
        return held;
    }

    /** PostgreSQL refuses a Parse under a name in use; through the pooler too, and the batch fails up to Sync. */
    @Test
    void reusingANameIsRefusedAsPostgresRefusesIt() throws Exception {
        pooler.start();
        try (RawPgClient raw = trustedRaw()) {
            raw.write(RawPgClient.concat(parse("dup", "SELECT 1"), sync()));
            assertEquals('1', raw.read().type());
            raw.readUntil('Z');
            raw.write(RawPgClient.concat(RawPgClient.query("BEGIN")));
            raw.readUntil('Z');
            raw.write(RawPgClient.concat(parse("dup", "SELECT 2"), bind("dup"), execute(), sync()));
            RawPgClient.Message first = raw.read();
            assertEquals('E', first.type(), "the Parse is refused first: " + (char) first.type());
            assertEquals("42P05", first.error().sqlState());
            assertEquals("prepared statement \"dup\" already exists", first.error().message());
            RawPgClient.Message ready = raw.read();
            assertEquals('Z', ready.type(), "nothing up to Sync is run: " + (char) ready.type());
            assertEquals('E', ready.body()[0], "the transaction failed, as on a direct connection");
            raw.write(RawPgClient.query("ROLLBACK"));
            raw.readUntil('Z');
            // The name still means the first statement.
            raw.write(RawPgClient.concat(bind("dup"), execute(), sync()));
            assertEquals('2', raw.read().type());
            RawPgClient.Message row = raw.read();
            assertEquals('D', row.type());
            assertEquals("1", new String(row.body(), 6, row.body().length - 6, StandardCharsets.UTF_8));
        }
    }

    /** As PgBouncer's test_describe_non_existent_prepared_statement, where PostgreSQL's 26000 is the answer. */
    @Test
    void describeOfAnUnknownStatementGetsPostgresError() throws Exception {
        pooler.start();
        try (RawPgClient raw = trustedRaw()) {
            raw.write(RawPgClient.concat(describeStatement("doesnotexist"), sync()));
            RawPgClient.Message error = raw.read();
            assertEquals('E', error.type());
            assertEquals("26000", error.error().sqlState());
            assertEquals("prepared statement \"doesnotexist\" does not exist", error.error().message());
            assertEquals('Z', raw.read().type());
            raw.write(RawPgClient.query("SELECT 1")); // the session goes on
            raw.readUntil('Z');
        }
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertTrue(c.isValid(5));
        }
    }

    /** As PgBouncer's test_statement_name_longer_than_pkt_buf, with a name twice its 4 kB packet buffer. */
    @Test
    void statementNamesLongerThanThePacketBufferWork() throws Exception {
        pooler.start();
        String name = "a".repeat(8192);
        try (RawPgClient raw = trustedRaw()) {
            raw.write(RawPgClient.concat(parse(name, "SELECT $1::text"), sync()));
            assertEquals('1', raw.read().type());
            raw.readUntil('Z');
            raw.write(RawPgClient.concat(describeStatement(name), sync()));
            assertEquals('t', raw.read().type()); // ParameterDescription
            assertEquals('T', raw.read().type());
            raw.readUntil('Z');
            raw.write(RawPgClient.concat(bind(name, "abc"), execute(), sync()));
            assertEquals('2', raw.read().type());
            RawPgClient.Message row = raw.read();
            assertEquals('D', row.type());
            assertTrue(new String(row.body(), StandardCharsets.UTF_8).endsWith("abc"));
            raw.readUntil('Z');
            raw.write(RawPgClient.concat(closeStatement(name), sync()));
            assertEquals('3', raw.read().type());
            raw.readUntil('Z');
            raw.write(RawPgClient.concat(describeStatement(name), sync()));
            RawPgClient.Message error = raw.read();
            assertEquals("26000", error.error().sqlState(), error.error().toString());
        }
    }

    /**
     * A Parse of a statement a server already has, and its Sync, are the pooler's to answer; that
     * ReadyForQuery ends the client's query as a server's would. It did not: the client's query and
     * transaction stayed open from that Parse on, so its next transaction was timed from there and
     * transaction_timeout ended it at once, and its queries were no longer counted.
     */
    @Test
    void aSyncThePoolerAnswersEndsTheTransactionItStarted() throws Exception {
        pooler.set("transaction_timeout", "2").start();
        try (RawPgClient preparer = trustedRaw(); RawPgClient second = trustedRaw()) {
            preparer.write(RawPgClient.concat(parse("s1", "SELECT 1"), sync()));
            preparer.readUntil('Z');
            second.write(RawPgClient.concat(parse("s1", "SELECT 1"), sync())); // the pool's one server has it
            assertEquals('1', second.read().type());
            assertEquals('Z', second.read().type());
            Thread.sleep(3000); // between transactions for longer than transaction_timeout: the case under test
            second.setReadTimeout(10_000);
            second.write(RawPgClient.query("select pg_sleep(1.5)"));
            RawPgClient.Message first = second.read();
            assertEquals('T', first.type(), () -> "a 1.5 s transaction is within transaction_timeout = 2, got "
                    + (first.type() == 'E' ? first.error().toString() : String.valueOf(first.type())));
            assertEquals('D', second.read().type());
            second.readUntil('Z');
        }
    }

    // ---- helpers ----

    /** A raw protocol client; auth_type = trust (the user is in auth_file), so it needs no SCRAM. */
    private RawPgClient trustedRaw() throws Exception {
        return new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB);
    }

    private static Properties named() {
        Properties p = new Properties();
        p.setProperty("prepareThreshold", "1"); // named server-side statements from the first use
        return p;
    }

    private static int single(PreparedStatement p) throws SQLException {
        try (ResultSet rs = p.executeQuery()) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
