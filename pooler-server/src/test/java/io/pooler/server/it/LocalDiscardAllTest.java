package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;

import static io.pooler.server.it.RawPgClient.query;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * In transaction pooling a lone DISCARD ALL from a client that holds no server is the pooler's to
 * answer (psycopg2 sends one each time its pool lends a connection again): it needs no server, so it
 * is answered while another client holds the pool's only one, and it resets what the client can see
 * of it, its parameters (PreparedStatementParityTest: its named statements). With a server linked, or
 * with pin_on_session_state = 0, PostgreSQL answers it as before.
 */
@PoolerTest
class LocalDiscardAllTest {
    private final PoolerFixture pooler;

    LocalDiscardAllTest(PoolerFixture pooler) {
        // One server: a client in a transaction holds it, so a DISCARD ALL that needed one would wait.
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD)
                .set("pool_mode", "transaction").set("default_pool_size", "1").set("query_wait_timeout", "20");
    }

    @Test
    void answeredWithoutWaitingForTheServerAnotherClientHolds() throws Exception {
        pooler.start();
        try (Connection holder = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             RawPgClient client = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            holdTheOnlyServer(holder);
            client.setReadTimeout(5_000);
            client.write(query("DISCARD ALL"));
            assertEquals("C:DISCARD ALL Z:I", answer(client), "answered while the only server is held");
            client.write(query("discard all; "));
            assertEquals("C:DISCARD ALL Z:I", answer(client));
            holder.rollback();
        }
    }

    @Test
    void parametersGoBackToTheClientsStartupValues() throws Exception {
        pooler.start();
        try (RawPgClient client = new RawPgClient(pooler.port())
                .loginTrusted(SCRAM_USER, DB, Map.of("application_name", "own-app"))) {
            client.setReadTimeout(10_000);
            client.write(query("SET application_name = 'temporary'"));
            assertEquals("C:SET S:application_name=temporary Z:I", answer(client));
            client.write(query("DISCARD ALL"));
            assertEquals("C:DISCARD ALL S:application_name=own-app Z:I", answer(client));
            client.write(query("DISCARD ALL"));
            assertEquals("C:DISCARD ALL Z:I", answer(client), "nothing changed: nothing reported");
            client.write(query("select current_setting('application_name')"));
            assertEquals("T D:own-app C:SELECT 1 Z:I", answer(client), "and the server it gets next has them");
        }
    }

    @Test
    void inATransactionPostgresAnswers() throws Exception {
        pooler.start();
        try (RawPgClient client = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            client.setReadTimeout(10_000);
            client.write(query("BEGIN"));
            assertEquals("C:BEGIN Z:T", answer(client));
            client.write(query("DISCARD ALL"));
            assertEquals("E:25001 Z:E", answer(client), "DISCARD ALL cannot run inside a transaction block");
            client.write(query("ROLLBACK"));
            assertEquals("C:ROLLBACK Z:I", answer(client));
        }
    }

    @Test
    void withoutPinningPostgresAnswersAsThroughPgBouncer() throws Exception {
        pooler.set("pin_on_session_state", "0").start();
        try (Connection holder = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             RawPgClient client = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            holdTheOnlyServer(holder);
            client.setReadTimeout(1_000);
            client.write(query("DISCARD ALL"));
            assertThrows(SocketTimeoutException.class, client::read, "it waits for the server");
            holder.rollback();
            client.setReadTimeout(10_000);
            assertEquals("C:DISCARD ALL Z:I", answer(client));
        }
    }

    /**
     * A Query whose text does not end with its NUL, or has one inside, is malformed: PostgreSQL refuses
     * it (08P01) and the session goes on. The pooler answers neither a DISCARD ALL nor a LISTEN
     * (listen_multiplex) of that shape; before, it answered such a LISTEN as if the last byte were
     * the NUL.
     */
    @Test
    void aMalformedQueryIsPostgresToRefuse() throws Exception {
        pooler.start();
        try (RawPgClient client = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            client.setReadTimeout(10_000);
            for (String text : new String[] {"DISCARD ALLX", "DISCARD ALL -- \0\0", "LISTEN aX", "LISTEN a /* \0 */\0"}) {
                client.write(RawPgClient.message('Q', text.getBytes(StandardCharsets.UTF_8)));
                assertEquals("E:08P01 Z:I", answer(client), text.replace("\0", "\\0"));
            }
            client.write(query("select 'still here'"));
            assertEquals("T D:still here C:SELECT 1 Z:I", answer(client));
        }
    }

    private static void holdTheOnlyServer(Connection holder) throws Exception {
        holder.setAutoCommit(false);
        try (Statement s = holder.createStatement()) {
            s.execute("select 1");
        }
    }

    /** The messages up to ReadyForQuery, in short: C:tag, S:name=value, D:first column, E:SQLSTATE, Z:status. */
    private static String answer(RawPgClient client) throws IOException {
        StringBuilder out = new StringBuilder();
        RawPgClient.Message m;
        do {
            m = client.read();
            if (m == null) {
                throw new EOFException("the pooler closed the connection after " + out);
            }
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(m.type());
            byte[] body = m.body();
            switch (m.type()) {
                case 'C' -> out.append(':').append(new String(body, 0, body.length - 1, StandardCharsets.UTF_8));
                case 'S' -> {
                    String[] parts = new String(body, 0, body.length - 1, StandardCharsets.UTF_8).split("\0");
                    out.append(':').append(parts[0]).append('=').append(parts[1]);
                }
                case 'D' -> out.append(':').append(new String(body, 6, java.nio.ByteBuffer.wrap(body, 2, 4).getInt(),
                        StandardCharsets.UTF_8));
                case 'E' -> out.append(':').append(m.error().sqlState());
                case 'Z' -> out.append(':').append((char) body[0]);
                default -> {
                }
            }
        } while (m.type() != 'Z');
        return out.toString();
    }
}
