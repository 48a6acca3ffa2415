package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import static io.pooler.server.it.RawPgClient.bindOf;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.RawPgClient.executeOf;
import static io.pooler.server.it.RawPgClient.flushOf;
import static io.pooler.server.it.RawPgClient.parseOf;
import static io.pooler.server.it.RawPgClient.query;
import static io.pooler.server.it.RawPgClient.syncOf;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A Query (or FunctionCall) written inside an extended-protocol batch, after its Parse, Bind or Execute
 * and before its Sync (asyncpg does so after a prepare, which it ends with Flush). PostgreSQL skips it
 * when an error came earlier in the batch, with no answer at all. The pooler counted a ReadyForQuery due
 * for it, waited for it for ever, and kept the server linked to that client, idle: with a pool of one,
 * every other client waited until query_wait_timeout. The server's response tracker now sees the skip,
 * with named statements tracked or not. (A differential run of batches against a direct connection
 * found it, 2026-12-07.)
 */
@PoolerTest
class QueryInsideABatchTest {
    private final PoolerFixture pooler;

    QueryInsideABatchTest(PoolerFixture pooler) {
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD)
                .set("pool_mode", "transaction").set("default_pool_size", "1").set("max_prepared_statements", "100");
    }

    @Test
    void aQuerySkippedBehindAnErrorDoesNotKeepTheServer() throws Exception {
        pooler.start();
        assertSkippedQueryKeepsNoServer();
    }

    /** Without named statements tracked, messages are streamed; the skip is seen all the same. */
    @Test
    void aQuerySkippedBehindAnErrorDoesNotKeepTheServerWithMessagesStreamed() throws Exception {
        pooler.set("max_prepared_statements", "0").start();
        assertSkippedQueryKeepsNoServer();
    }

    private void assertSkippedQueryKeepsNoServer() throws Exception {
        try (RawPgClient sender = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            sender.write(concat(bindOf("no_such_statement"), query("select 1"), syncOf()));
            assertEquals("26000 prepared statement \"no_such_statement\" does not exist", sender.answersUntilReady(),
                    "as on a direct connection: the Query is skipped, and the Sync answers");
            try (RawPgClient other = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
                other.write(query("select 2"));
                assertEquals("T / row 2 / C", other.answersUntilReady(), "the only server is free for another client");
            }
            sender.write(query("select 3"));
            assertEquals("T / row 3 / C", sender.answersUntilReady(), "the sender goes on");
        }
    }

    /** A Query behind a batch that did not fail runs, as asyncpg's after its prepare. */
    @Test
    void aQueryBehindASuccessfulBatchRunsAndTheServerIsReleased() throws Exception {
        pooler.start();
        try (RawPgClient sender = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            sender.write(concat(parseOf("s1", "select 'prepared'"), flushOf()));
            assertEquals("1", sender.read().type() + "");
            sender.write(query("select 1/0"));
            assertEquals("22012 division by zero", sender.answersUntilReady(), "the Query's own error");
            sender.write(concat(bindOf("s1"), executeOf(), syncOf()));
            assertEquals("2 / row prepared / C", sender.answersUntilReady());
            try (RawPgClient other = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
                other.write(query("select 2"));
                assertEquals("T / row 2 / C", other.answersUntilReady(), "the only server is free for another client");
            }
        }
    }
}
