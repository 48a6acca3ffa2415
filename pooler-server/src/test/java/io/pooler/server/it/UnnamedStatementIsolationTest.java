package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.pooler.server.it.RawPgClient.bindOf;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.RawPgClient.executeOf;
import static io.pooler.server.it.RawPgClient.message;
import static io.pooler.server.it.RawPgClient.syncOf;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL keeps the unnamed prepared statement on a server connection until the next Parse of it or
 * the next simple Query. In transaction pooling the next client on that server could Bind it without a
 * Parse of its own and run the previous client's statement: ProtocolFuzzTest's case 667 (seed
 * 20261203) got a checker client's row that way. A client sees only unnamed statements it parsed
 * itself: as on a fresh connection, binding one it did not gets "unnamed prepared statement does not
 * exist" (26000), and its session goes on.
 */
@PoolerTest
class UnnamedStatementIsolationTest {
    private final PoolerFixture pooler;

    UnnamedStatementIsolationTest(PoolerFixture pooler) {
        // One server, so the second client gets the very server the first one used.
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD)
                .set("pool_mode", "transaction").set("default_pool_size", "1");
    }

    @Test
    void aClientCannotBindTheUnnamedStatementAnotherClientLeftOnItsServer() throws Exception {
        pooler.start();
        try (RawPgClient first = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB);
             RawPgClient second = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            leaveAnUnnamedStatement(first);

            second.write(concat(bind(), describePortal(), executeOf(), syncOf()));
            List<RawPgClient.Message> answer = readAll(second);
            RawPgClient.Message error = answer.stream().filter(m -> m.type() == 'E').findFirst().orElse(null);
            assertNotNull(error, "the second client's Bind must fail, got " + types(answer));
            assertEquals("26000", error.error().sqlState(), error.error().message());
            assertFalse(answer.stream().anyMatch(m -> m.type() == 'D'), "no row of the first client's statement");

            second.write(concat(parse("select 'the second client''s own'"), bind(), executeOf(), syncOf()));
            assertTrue(readUntilReady(second).contains("the second client's own"), "its session goes on");
            first.write(concat(bind(), executeOf(), syncOf()));
            assertTrue(readUntilReady(first).contains("26000"),
                    "the first client's own statement is gone too: the second one parsed its own since");
        }
    }

    /** Mid-batch the statement cannot be dropped without ending the client's batch: the client is refused. */
    @Test
    void aClientUsingAnotherClientsUnnamedStatementMidBatchIsRefused() throws Exception {
        // A Parse of a named statement first: the batch has begun, and nothing in it fails.
        assertSecondClientRefused(concat(message('P', cstrings("s1", "select 1", "\0\0")), bind(), executeOf(), syncOf()), 1);
    }

    /**
     * PostgreSQL refuses a Parse whose text is not valid UTF-8 before it drops the unnamed statement it
     * holds, so the first client's stays: the second client's Bind in its next batch must not run it.
     * (ProtocolFuzzTest, seed 1217062255773536441, case 84785: a hostile client got a checker's row.)
     */
    @Test
    void aParsePostgresRefusedDoesNotMakeTheStatementTheClientsOwn() throws Exception {
        pooler.start();
        try (RawPgClient first = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB);
             RawPgClient second = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            leaveAnUnnamedStatement(first);

            second.write(concat(parseOfInvalidUtf8(), syncOf()));
            assertTrue(readUntilReady(second).contains("22021"), "the Parse is refused");
            second.write(concat(bind(), describePortal(), executeOf(), syncOf()));
            String answer = readUntilReady(second);
            assertFalse(answer.contains("secret"), "no row of the first client's statement: " + answer);
            assertTrue(answer.contains("26000"), answer);
        }
    }

    /**
     * Pipelined in one write: a Bind of a statement that does not exist fails, so PostgreSQL skips the
     * Parse behind it in that batch; the Bind in the next batch would run the first client's statement.
     * Sent before any answer came back, it is refused. (ProtocolFuzzTest, seed 1217062255773536441, case 64320.)
     */
    @Test
    void aBindBehindAParseItsBatchSkippedIsRefused() throws Exception {
        assertSecondClientRefused(concat(bindOf("no_such_statement"), parse("select 'the second client''s'"), syncOf(),
                bind(), describePortal(), executeOf(), syncOf()), 2);
    }

    /**
     * The same with a simple Query where the Parse was: skipped behind the failed Bind, it does not drop
     * the first client's statement, which the Bind in the next batch would run.
     */
    @Test
    void aBindBehindAQueryItsBatchSkippedIsRefused() throws Exception {
        assertSecondClientRefused(concat(bindOf("no_such_statement"), RawPgClient.query("select 1"), syncOf(),
                bind(), describePortal(), executeOf(), syncOf()), 2);
    }

    /**
     * A Bind of an unnamed statement the client never made fails, and PostgreSQL skips what follows in
     * that batch, a Parse of a named statement among it: the server does not hold that statement, so
     * the next client that prepares the same text on that server must have it prepared there, not be
     * told it does not exist. The batch is the first of ProtocolFuzzTest's case 57830 (seed
     * -901534653339549612, AFTER_LOGIN), byte for byte: Bind, Describe, Execute and Describe of the
     * unnamed portal, Parse and Bind of the unnamed statement, Parse of S_1, an Execute of a portal that
     * does not exist, Sync. (That case, its batches sent in one write, still gets "prepared statement
     * POOLER_n does not exist" in a later batch; see the session note of 2026-12-06, 22:32.)
     */
    @Test
    void aNamedParseSkippedBehindAFailedBindIsNotTakenForPrepared() throws Exception {
        pooler.start();
        byte[] fuzzCaseBatch = java.util.HexFormat.of().parseHex("42000000200000000200010000000200000004000000020000"
                + "0004726f77320000440000000650004500000009000000000044000000065000500000002c0073656c65637420"
                + "24313a3a696e74202b20312c2024323a3a746578740000020000001700000413420000002000000002000100"
                + "000002000000040000000300000004726f77330000500000002f535f310073656c6563742024313a3a696e7420"
                + "2b20312c2024323a3a7465787400000200000017000004134500000009ce000500005300000004");
        try (RawPgClient first = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB);
             RawPgClient second = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            first.write(fuzzCaseBatch);
            assertTrue(readUntilReady(first).contains("26000"), "the Bind fails, and the rest of the batch is skipped");

            // The same text and parameter types as the skipped Parse of S_1: int4 and varchar.
            ByteArrayOutputStream parse = new ByteArrayOutputStream();
            parse.writeBytes("s2\0select $1::int + 1, $2::text\0".getBytes(StandardCharsets.US_ASCII));
            parse.writeBytes(new byte[] {0, 2, 0, 0, 0, 23, 0, 0, 4, 19});
            ByteArrayOutputStream bind = new ByteArrayOutputStream();
            bind.writeBytes("\0s2\0".getBytes(StandardCharsets.US_ASCII));
            bind.writeBytes(new byte[] {0, 0, 0, 2, 0, 0, 0, 2, '4', '1', 0, 0, 0, 2, 'o', 'k', 0, 0});
            second.write(concat(message('P', parse.toByteArray()), message('B', bind.toByteArray()), executeOf(), syncOf()));
            String answer = readUntilReady(second);
            assertTrue(answer.contains("42") && answer.contains("ok"), "the second client's statement runs: " + answer);
        }
    }

    @Test
    void aClientKeepsItsOwnUnnamedStatementAcrossTransactions() throws Exception {
        pooler.start();
        try (RawPgClient client = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            client.write(concat(parse("select 'mine'"), syncOf()));
            readUntilReady(client);
            client.write(concat(bind(), executeOf(), syncOf()));
            assertTrue(readUntilReady(client).contains("mine"), "as on a direct connection, when no one else ran between");
        }
    }

    /**
     * The first client leaves an unnamed statement on the pool's one server; the second sends
     * {@code messages} in one write and must be refused without a row of it; the first is served on.
     */
    private void assertSecondClientRefused(byte[] messages, int batches) throws Exception {
        pooler.start();
        try (RawPgClient first = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB);
             RawPgClient second = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            leaveAnUnnamedStatement(first);
            second.write(messages);
            assertRefusedWithoutTheFirstClientsRow(second, batches);
            assertThePoolGoesOn(first);
        }
    }

    /**
     * The second client's answer, up to the close of its connection (or, where it was not refused, up to
     * {@code batches} ReadyForQuery messages): no row of the first client's statement, and 26000 last.
     */
    private static void assertRefusedWithoutTheFirstClientsRow(RawPgClient second, int batches) throws Exception {
        second.setReadTimeout(10_000);
        List<RawPgClient.Message> answer = new ArrayList<>();
        RawPgClient.Message m;
        int ready = 0;
        while (ready < batches && (m = second.read()) != null) {
            answer.add(m);
            ready += m.type() == 'Z' ? 1 : 0;
        }
        assertFalse(answer.stream().anyMatch(x -> x.type() == 'D'), "no row of the first client's statement: " + types(answer));
        RawPgClient.Message error = answer.stream().filter(x -> x.type() == 'E').reduce((a, b) -> b).orElse(null);
        assertNotNull(error, types(answer));
        assertEquals("26000", error.error().sqlState(), error.error().message());
    }

    private static void assertThePoolGoesOn(RawPgClient first) throws Exception {
        first.write(concat(parse("select 'still served'"), bind(), executeOf(), syncOf()));
        assertTrue(readUntilReady(first).contains("still served"), "the pool goes on");
    }

    /** The first client runs an unnamed statement, which stays on the pool's one server. */
    private static void leaveAnUnnamedStatement(RawPgClient first) throws Exception {
        first.write(concat(parse("select 'secret of the first client'"), bind(), executeOf(), syncOf()));
        assertTrue(readUntilReady(first).contains("secret of the first client"));
    }

    private static byte[] parse(String sql) {
        return message('P', cstrings("", sql, "\0\0"));
    }

    /** A Parse of the unnamed statement whose text has a byte sequence that is not UTF-8. */
    private static byte[] parseOfInvalidUtf8() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0);
        body.writeBytes("select 'x".getBytes(StandardCharsets.US_ASCII));
        body.write(0xcf);
        body.writeBytes("C'".getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(new byte[] {0, 0, 0});
        return message('P', body.toByteArray());
    }

    private static byte[] bind() {
        return message('B', new byte[] {0, 0, 0, 0, 0, 0, 0, 0});
    }

    private static byte[] describePortal() {
        return message('D', new byte[] {'P', 0});
    }

    /** Each string NUL-terminated; the last one is appended as is (the Parse's empty type count). */
    private static byte[] cstrings(String name, String sql, String tail) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        out.writeBytes(sql.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        out.writeBytes(tail.substring(0, 2).getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /** Everything up to and including ReadyForQuery, as text: rows' values and errors' SQLSTATEs. */
    private static String readUntilReady(RawPgClient client) throws Exception {
        StringBuilder seen = new StringBuilder();
        for (RawPgClient.Message m : readAll(client)) {
            if (m.type() == 'D') {
                seen.append(new String(m.body(), StandardCharsets.UTF_8)).append('\n');
            } else if (m.type() == 'E') {
                seen.append(m.error().sqlState()).append(' ').append(m.error().message()).append('\n');
            }
        }
        return seen.toString();
    }

    private static List<RawPgClient.Message> readAll(RawPgClient client) throws Exception {
        client.setReadTimeout(10_000);
        List<RawPgClient.Message> messages = new ArrayList<>();
        RawPgClient.Message m;
        while ((m = client.read()) != null) {
            messages.add(m);
            if (m.type() == 'Z') {
                return messages;
            }
        }
        throw new AssertionError("closed before ReadyForQuery: " + types(messages));
    }

    private static String types(List<RawPgClient.Message> messages) {
        StringBuilder s = new StringBuilder();
        messages.forEach(m -> s.append(m.type()));
        return s.toString();
    }
}
