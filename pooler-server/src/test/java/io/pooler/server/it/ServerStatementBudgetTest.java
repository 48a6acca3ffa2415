package io.pooler.server.it;

import static io.pooler.server.it.ExtendedProtocol.assertRuns;
import static io.pooler.server.it.ExtendedProtocol.closeStatement;
import static io.pooler.server.it.ExtendedProtocol.parse;
import static io.pooler.server.it.ExtendedProtocol.sync;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

/**
 * The statement text all servers' caches keep is bounded in bytes (ServerStatements), not only in count
 * (max_prepared_statements). Here the caches may keep 256 KiB, and the statements are some 48 KiB, so
 * five fit; there is one server.
 *
 * <p>Why: a client gives its names' bytes back when it closes them (PreparedStatementBudgetTest), but the
 * servers kept each statement they prepared until max_prepared_statements (200) newer ones pushed it
 * out. A client that parsed, ran and closed ever new large statements filled every server's cache, and
 * the pooler's heap, max_prepared_statements times pool_size times 16 MiB at most, and the memory stayed
 * after it left.
 */
@PoolerTest
class ServerStatementBudgetTest {
    /** ServerStatements' property, spelled out so this test ran on the code before it. */
    private static final String BUDGET_PROPERTY = "pooler.prepared.maxServerBytes";
    private static final int BUDGET = 256 * 1024;
    private static final int PADDING = 48 * 1024;

    private final PostgresInstance pg;
    private final PoolerFixture pooler;
    private int statements;

    ServerStatementBudgetTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        System.setProperty(BUDGET_PROPERTY, String.valueOf(BUDGET));
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("auth_type", "trust")
                .set("pool_mode", "transaction").set("default_pool_size", "1")
                // Not scanned for session state: each byte of a query scanned goes through the paranoid leak detector.
                .set("pin_on_session_state", "0").start();
    }

    @AfterEach
    void defaultBudget() {
        System.clearProperty(BUDGET_PROPERTY);
    }

    @Test
    void aClientThatRunsAndClosesEverNewStatementsLeavesTheServerNoMoreThanTheBudget() throws Exception {
        try (RawPgClient client = trustedRaw()) {
            for (int i = 0; i < 12; i++) {
                runAndClose(client, "s" + i, bigStatement(PADDING));
            }
        }
        try (Connection observer = observer()) {
            long[] held = preparedOnServer(observer);
            assertTrue(held[1] <= BUDGET, "the server's cache keeps " + held[1] + " bytes in " + held[0]
                    + " statements, past the budget of " + BUDGET);
            assertTrue(held[0] >= 4, "the statements that fit are kept, got " + held[0]);
        }
    }

    @Test
    void aBystandersStatementDroppedToMakeRoomIsPreparedAgainWhereItRuns() throws Exception {
        try (RawPgClient bystander = trustedRaw(); RawPgClient client = trustedRaw()) {
            bystander.write(concat(parse("mine", "SELECT 42"), sync()));
            assertEquals('1', bystander.read().type());
            bystander.readUntil('Z');
            assertRuns(bystander, "mine");
            for (int i = 0; i < 8; i++) {
                runAndClose(client, "s" + i, bigStatement(PADDING));
            }
            assertRuns(bystander, "mine");
        }
    }

    @Test
    void aStatementPastTheBudgetAloneRunsAndItsServerIsEmptiedBeforeTheNextClient() throws Exception {
        try (RawPgClient client = trustedRaw()) {
            client.write(concat(parse("huge", bigStatement(BUDGET + PADDING)), sync()));
            assertEquals('1', client.read().type(), "ParseComplete");
            client.readUntil('Z');
            assertRuns(client, "huge");
            try (Connection observer = observer()) {
                assertEquals(0, preparedOnServer(observer)[0], "reset (DISCARD ALL) before another client");
            }
            assertRuns(client, "huge"); // prepared again on the server it runs on
        }
    }

    @Test
    void aServerThatEndsGivesItsStatementsBytesBack() throws Exception {
        try (RawPgClient client = trustedRaw()) {
            for (int i = 0; i < 5; i++) {
                runAndClose(client, "a" + i, bigStatement(PADDING));
            }
        }
        try (Connection outside = pg.connectAsSuperuser(DB); Statement st = outside.createStatement()) {
            st.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + DB
                    + "' and usename = '" + SCRAM_USER + "'");
        }
        // The pooler drops the ended server when it reads PostgreSQL's FATAL; a query before that fails.
        Await.until(Duration.ofSeconds(10), quietly(() -> {
            try (Connection probe = observer()) {
                return preparedOnServer(probe)[0] == 0;
            }
        }), "a new server");
        try (RawPgClient client = trustedRaw()) {
            for (int i = 5; i < 10; i++) {
                runAndClose(client, "b" + i, bigStatement(PADDING));
            }
        }
        try (Connection observer = observer()) {
            assertEquals(5, preparedOnServer(observer)[0],
                    "the new server keeps all five unless the ended server's bytes were never given back");
        }
    }

    /** Parses, runs and closes one statement: the client keeps nothing of it, its server may. */
    private static void runAndClose(RawPgClient client, String name, String sql) throws Exception {
        client.write(concat(parse(name, sql), sync()));
        RawPgClient.Message m = client.read();
        assertNotNull(m, "closed at the Parse of " + name);
        assertEquals('1', m.type(), "ParseComplete for " + name + (m.type() == 'E' ? ": " + m.error() : ""));
        client.readUntil('Z');
        assertRuns(client, name);
        client.write(concat(closeStatement(name), sync()));
        client.readUntil('Z');
    }

    /** How many statements the pool's one server has prepared, and their text's bytes. */
    private static long[] preparedOnServer(Connection observer) throws Exception {
        try (Statement st = observer.createStatement();
             ResultSet rs = st.executeQuery("select count(*), coalesce(sum(octet_length(statement)), 0)"
                     + " from pg_prepared_statements")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    /** {@code SELECT 1 /* padding *\/}, distinct for each call. */
    private String bigStatement(int padding) {
        return "SELECT 1 /* " + (statements++) + " " + "x".repeat(padding) + " */";
    }

    private Connection observer() throws Exception {
        return pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
    }

    private RawPgClient trustedRaw() throws Exception {
        RawPgClient client = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB);
        client.setReadTimeout(30_000);
        return client;
    }
}
