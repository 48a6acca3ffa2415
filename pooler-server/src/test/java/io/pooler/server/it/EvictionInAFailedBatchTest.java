package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static io.pooler.server.it.RawPgClient.bindOf;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.RawPgClient.message;
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
            first.write(concat(parse("s1", "select 'the first text'"), sync()));
            readUntilReady(first);
            // The room for the second text is made by closing the first's statement, behind a Bind that fails.
            first.write(concat(bindOf("no_such_statement"), parse("s2", "select 'the second text'"), sync()));
            assertTrue(readUntilReady(first).contains("26000"), "the Bind fails, and the rest of the batch is skipped");

            second.write(concat(parse("t1", "select 'the first text'"), bindOf("t1"), execute(), sync()));
            String answer = readUntilReady(second);
            assertTrue(answer.contains("the first text"), "the second client's statement runs: " + answer);
        }
    }

    private static byte[] parse(String name, String sql) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes((name + "\0" + sql + "\0").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(new byte[] {0, 0}); // no parameter types
        return message('P', body.toByteArray());
    }

    private static byte[] execute() {
        return message('E', new byte[] {0, 0, 0, 0, 0});
    }

    private static byte[] sync() {
        return message('S', new byte[0]);
    }

    /** Everything up to and including ReadyForQuery, as text: rows' values and errors' SQLSTATEs. */
    private static String readUntilReady(RawPgClient client) throws Exception {
        client.setReadTimeout(10_000);
        StringBuilder seen = new StringBuilder();
        RawPgClient.Message m;
        while ((m = client.read()) != null) {
            if (m.type() == 'D') {
                seen.append(new String(m.body(), StandardCharsets.UTF_8)).append('\n');
            } else if (m.type() == 'E') {
                seen.append(m.error().sqlState()).append(' ').append(m.error().message()).append('\n');
            } else if (m.type() == 'Z') {
                return seen.toString();
            }
        }
        throw new AssertionError("closed before ReadyForQuery: " + seen);
    }
}
