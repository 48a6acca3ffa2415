package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.pooler.server.it.RawPgClient.query;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * After RESET ALL or DISCARD ALL the server's parameters are its defaults, and the pooler sets the
 * client's own values again before the client's next message. That SET is an internal query, whose
 * answer the pooler swallows up to its ReadyForQuery; sent while the client's own request was still
 * outstanding, it swallowed the end of that request's answer instead, and the client got the SET's
 * answer in its place (every later answer one behind). It now waits until nothing of the client's is
 * outstanding: a message pipelined behind the RESET runs with the server's values, the next one with
 * the client's own again.
 */
@PoolerTest
class ResetMidPipelineTest {
    private static final long HOLD_MILLIS = 500;

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    ResetMidPipelineTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        // One server, so every query of the client runs on the one the RESET ran on.
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD)
                .set("pool_mode", "transaction").set("default_pool_size", "1");
    }

    @Test
    void aQuerySentWhileItsResetIsOutstandingGetsItsOwnAnswer() throws Exception {
        try (HeldReadyRelay relay = new HeldReadyRelay(pg.port(), HOLD_MILLIS)) {
            pooler.database(DB, "host=127.0.0.1 port=" + relay.port() + " dbname=" + DB).start();
            try (RawPgClient client = new RawPgClient(pooler.port())
                    .loginTrusted(SCRAM_USER, DB, Map.of("application_name", "own-app"))) {
                client.setReadTimeout(10_000);
                client.write(query("RESET ALL"));
                // The RESET's CommandComplete and the ParameterStatus of application_name come at once,
                // its ReadyForQuery HOLD_MILLIS later: the next query is sent in between.
                StringBuilder types = new StringBuilder();
                RawPgClient.Message m;
                do {
                    m = next(client);
                    types.append(m.type());
                } while (m.type() != 'S');
                client.write(query("select 'pipelined'"));
                List<String> values = new ArrayList<>();
                readUntilReady(client, types, values);
                readUntilReady(client, types, values);
                assertEquals("CSZTDCZ", types.toString(), "the RESET's answer, then the pipelined query's");
                assertEquals(List.of("pipelined"), values);

                StringBuilder after = new StringBuilder();
                List<String> own = new ArrayList<>();
                client.write(query("select current_setting('application_name')"));
                readUntilReady(client, after, own);
                assertEquals("TDCZ", after.toString());
                assertEquals(List.of("own-app"), own, "the client's own value is set again once nothing is outstanding");
            }
        }
    }

    private static void readUntilReady(RawPgClient client, StringBuilder types, List<String> values) throws IOException {
        RawPgClient.Message m;
        do {
            m = next(client);
            types.append(m.type());
            if (m.type() == 'D') {
                values.add(m.firstColumn());
            }
        } while (m.type() != 'Z');
    }

    private static RawPgClient.Message next(RawPgClient client) throws IOException {
        RawPgClient.Message m = client.read();
        if (m == null) {
            throw new EOFException("the pooler closed the connection");
        }
        return m;
    }
}
