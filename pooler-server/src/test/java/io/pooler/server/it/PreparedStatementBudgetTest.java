package io.pooler.server.it;

import static io.pooler.server.it.ExtendedProtocol.assertRuns;
import static io.pooler.server.it.ExtendedProtocol.closeStatement;
import static io.pooler.server.it.ExtendedProtocol.parse;
import static io.pooler.server.it.ExtendedProtocol.sync;

import io.pooler.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.time.Duration;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The definitions of named statements the pooler keeps for its clients (transaction pooling,
 * max_prepared_statements > 0) are bounded in bytes, per client and for all clients together
 * (StatementBudget): a Parse past either bound is refused to its sender with 53400, as a name past the
 * 10,000 names is, and nobody else is affected; Close, DISCARD ALL and a client that goes give the bytes
 * back.
 *
 * <p>Why: the names alone were bounded, and each kept its whole definition, up to
 * max_parsed_message_size (64 MiB): some 300 Parses of distinct 1 MB statements filled the launcher's
 * 256 MB heap and the pooler failed for everyone. Here a client may keep 160 KiB and all clients
 * 256 KiB, and each statement is some 48 KiB, so a client holds three and two clients five.
 */
@PoolerTest
class PreparedStatementBudgetTest {
    /** StatementBudget's properties, spelled out so this test ran on the code before it. */
    private static final String CLIENT_LIMIT_PROPERTY = "pooler.prepared.maxClientBytes";
    private static final String LIMIT_PROPERTY = "pooler.prepared.maxBytes";
    private static final int CLIENT_LIMIT = 160 * 1024;
    private static final int LIMIT = 256 * 1024;
    private static final int PADDING = 48 * 1024;

    private final PoolerFixture pooler;
    private int statements;

    PreparedStatementBudgetTest(PoolerFixture pooler) throws Exception {
        System.setProperty(CLIENT_LIMIT_PROPERTY, String.valueOf(CLIENT_LIMIT));
        System.setProperty(LIMIT_PROPERTY, String.valueOf(LIMIT));
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("auth_type", "trust")
                .set("admin_users", SCRAM_USER).set("pool_mode", "transaction").set("default_pool_size", "2")
                // Not scanned for session state: each byte of a query scanned goes through the paranoid leak detector.
                .set("pin_on_session_state", "0").start();
    }

    @AfterEach
    void defaultBudget() {
        System.clearProperty(CLIENT_LIMIT_PROPERTY);
        System.clearProperty(LIMIT_PROPERTY);
    }

    @Test
    void aClientPastItsOwnBoundIsRefusedAloneAndClosedOrDiscardedStatementsMakeRoom() throws Exception {
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
             RawPgClient bystander = trustedRaw()) {
            parseAll(bystander, "b0");
            try (RawPgClient client = trustedRaw()) {
                parseAll(client, "c0", "c1", "c2");
                assertRuns(client, "c0");
                // Close gives a statement's bytes back: a fourth fits in its place.
                client.write(concat(closeStatement("c0"), sync()));
                client.readUntil('Z');
                parseAll(client, "c3");
                // So does DISCARD ALL, for all of them.
                client.write(RawPgClient.query("DISCARD ALL"));
                client.readUntil('Z');
                parseAll(client, "c4", "c5", "c6");
                assertRuns(client, "c6");

                client.write(concat(parse("c7", bigStatement()), sync()));
                assertRefused(client);
                assertRuns(bystander, "b0");
            }
            // The pooler lingers after its error until the client closes; then its three are given back.
            Await.until(Duration.ofSeconds(10), quietly(() -> clientsOf(admin) == 1), "the refused client gone");
            parseAll(bystander, "b1", "b2"); // six with the refused client's three: past all clients' bound
            assertRuns(bystander, "b2");
        }
    }

    @Test
    void allClientsTogetherAreBoundedAndAClientThatGoesGivesItsBytesBack() throws Exception {
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
             RawPgClient third = trustedRaw()) {
            RawPgClient first = trustedRaw();
            try (RawPgClient second = trustedRaw()) {
                parseAll(first, "a0", "a1", "a2");
                parseAll(second, "b0", "b1");
                second.write(concat(parse("b2", bigStatement()), sync()));
                assertRefused(second); // five statements are all clients may keep
            }
            assertRuns(first, "a0");
            assertRuns(first, "a2");
            Await.until(Duration.ofSeconds(10), quietly(() -> clientsOf(admin) == 2), "the refused client gone");
            parseAll(third, "c0"); // the refused client's two gave back
            first.close();
            Await.until(Duration.ofSeconds(10), quietly(() -> clientsOf(admin) == 1), "the first client gone");
            parseAll(third, "c1", "c2"); // past the bound unless the first client's three were given back
            assertRuns(third, "c2");
        }
    }

    private int clientsOf(Connection admin) throws Exception {
        return (int) rows(admin, "SHOW CLIENTS").stream().filter(r -> DB.equals(r.get("database"))).count();
    }

    /** Parses a distinct statement of some 48 KiB under each name, in one batch, and expects them all to succeed. */
    private void parseAll(RawPgClient client, String... names) throws Exception {
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (String name : names) {
            batch.writeBytes(parse(name, bigStatement()));
        }
        batch.writeBytes(sync());
        client.write(batch.toByteArray());
        for (String name : names) {
            RawPgClient.Message m = client.read();
            assertNotNull(m, "closed at the Parse of " + name);
            assertEquals('1', m.type(), "ParseComplete for " + name + ", got " + m.type()
                    + (m.type() == 'E' ? ": " + m.error() : ""));
        }
        assertEquals('Z', client.read().type());
    }

    private static void assertRefused(RawPgClient client) throws Exception {
        RawPgClient.Message error = client.read();
        assertNotNull(error, "refused with an error before the close");
        assertEquals('E', error.type(), "refused, got " + error.type());
        assertEquals("53400", error.error().sqlState(), error.error().toString());
        assertTrue(client.closedByPeer());
    }

    /** {@code SELECT 1 /* padding *\/}, distinct for each call. */
    private String bigStatement() {
        return "SELECT 1 /* " + (statements++) + " " + "x".repeat(PADDING) + " */";
    }

    private RawPgClient trustedRaw() throws Exception {
        RawPgClient client = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB);
        client.setReadTimeout(30_000);
        return client;
    }
}
