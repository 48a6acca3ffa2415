package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import static io.pooler.server.it.RawPgClient.bindOf;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.RawPgClient.executeOf;
import static io.pooler.server.it.RawPgClient.parseOf;
import static io.pooler.server.it.RawPgClient.syncOf;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server keeps max_prepared_statements of the pooler's statements; to prepare one more, the pooler
 * closes the eldest there, in the batch of the client whose Parse needs the room. When an earlier
 * message of that batch fails, PostgreSQL skips the Close with the rest of it: the server still holds
 * the statement the pooler took out of its list. The next client to prepare that text on that server
 * must not get "already exists" (42P05) for it. (ProtocolFuzzTest, seed -901534653339549612: hundreds
 * of 42P05 in PostgreSQL's log for the pooler's own names.) One server, so the second client gets it.
 */
@PoolerTest
class EvictionInAFailedBatchTest {
    private final PoolerFixture pooler;

    EvictionInAFailedBatchTest(PoolerFixture pooler) {
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD)
                .set("pool_mode", "transaction").set("default_pool_size", "1").set("max_prepared_statements", "1");
    }

    @Test
    void aCloseTheServerSkippedDoesNotMakeAnotherClientsParseFail() throws Exception {
        pooler.start();
        try (RawPgClient first = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB);
             RawPgClient second = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            first.write(concat(parseOf("s1", "select 'the first text'"), syncOf()));
            first.answersUntilReady();
            // The room for the second text is made by closing the first's statement, behind a Bind that fails.
            first.write(concat(bindOf("no_such_statement"), parseOf("s2", "select 'the second text'"), syncOf()));
            assertTrue(first.answersUntilReady().contains("26000"), "the Bind fails, and the rest of the batch is skipped");

            second.write(concat(parseOf("t1", "select 'the first text'"), bindOf("t1"), executeOf(), syncOf()));
            String answer = second.answersUntilReady();
            assertTrue(answer.contains("the first text"), "the second client's statement runs: " + answer);
        }
    }
}
