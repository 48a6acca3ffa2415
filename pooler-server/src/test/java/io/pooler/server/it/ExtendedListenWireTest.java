package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static io.pooler.server.it.AdminRows.intValue;
import static io.pooler.server.it.AdminRows.pool;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.RawPgClient.message;
import static io.pooler.server.it.SessionPoolingTest.execute;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * LISTEN/UNLISTEN over the extended protocol, byte for byte: each batch is sent to PostgreSQL directly
 * (over its unix socket) and through the pooler, and the answers up to ReadyForQuery must be the same.
 * A batch that is one lone LISTEN/UNLISTEN is answered by the pooler (multiplexed: nothing pinned); any
 * other batch reaches a server, which answers it, and a LISTEN in it pins the client.
 */
@PoolerTest
class ExtendedListenWireTest {
    private static final byte[] SYNC = message('S', new byte[0]);
    private static final byte[] FLUSH = message('H', new byte[0]);

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    ExtendedListenWireTest(PostgresInstance pg, PoolerFixture pooler) throws Exception {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("auth_type", "trust").set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("default_pool_size", "2").start();
    }

    /** A lone statement in each shape drivers send it: the pooler answers as PostgreSQL does. */
    @Test
    void aLoneListenIsAnsweredAsPostgresAnswersIt() throws Exception {
        List<byte[]> batches = new ArrayList<>();
        for (String sql : List.of("LISTEN wire_a", "listen \"Wire B\" ; -- a comment", "UNLISTEN wire_a", "UNLISTEN *",
                "LISTEN wire_a")) {
            batches.add(concat(parse(sql), bind(0), describe('P'), executeMessage(), SYNC)); // PgJDBC, libpq
            batches.add(concat(parse(sql), describe('S'), bind(1), executeMessage(), SYNC)); // statement described first
            batches.add(concat(parse(sql), bind(1), executeMessage(), SYNC));                // no Describe
            batches.add(concat(parse(sql), describe('S'), bind(0), describe('P'), executeMessage(), SYNC)); // both
        }
        try (RawPgClient direct = postgres(); RawPgClient pooled = pooled()) {
            for (byte[] batch : batches) {
                assertEquals(answers(direct, batch), answers(pooled, batch), new String(batch, StandardCharsets.ISO_8859_1));
            }
            // Inside a transaction: the same, with ReadyForQuery 'T'.
            for (RawPgClient c : List.of(direct, pooled)) {
                answers(c, RawPgClient.query("BEGIN"));
            }
            byte[] inTransaction = concat(parse("LISTEN wire_t"), bind(0), describe('P'), executeMessage(), SYNC);
            List<String> expected = answers(direct, inTransaction);
            assertEquals("Z 54", expected.get(expected.size() - 1), "ReadyForQuery 'T': " + expected);
            assertEquals(expected, answers(pooled, inTransaction));
            for (RawPgClient c : List.of(direct, pooled)) {
                answers(c, RawPgClient.query("COMMIT"));
            }
            try (Connection admin = admin(); Connection outside = pg.connectAsSuperuser(DB)) {
                assertEquals(0, intValue(pool(admin, DB, SCRAM_USER), "cl_pinned"), "multiplexed, not pinned");
                List<String> channels = AdminRows.rows(admin, "SHOW LISTENERS").stream().map(r -> r.get("channel")).toList();
                assertEquals(List.of("wire_a", "wire_t"), channels.stream().sorted().toList());
                execute(outside, "NOTIFY wire_a, 'hello'");
                RawPgClient.Message a = pooled.readUntil('A');
                String body = new String(a.body(), 4, a.body().length - 4, StandardCharsets.UTF_8);
                assertEquals("wire_a\0hello\0", body);
            }
        }
    }

    /** Anything but one lone statement reaches a server, answered by PostgreSQL itself, and LISTEN pins. */
    @Test
    void otherBatchesGoToTheServerAndPin() throws Exception {
        List<byte[]> batches = List.of(
                concat(parse("LISTEN wire_p"), bind(0), executeMessage(), parse("select 1"), bind(0), executeMessage(), SYNC),
                concat(parse("LISTEN wire_p"), bind(0), describe('P'), executeMessage(), FLUSH, SYNC),
                concat(parse("LISTEN wire_p"), SYNC));
        for (byte[] batch : batches) {
            try (RawPgClient direct = postgres(); RawPgClient pooled = pooled(); Connection admin = admin()) {
                assertEquals(answers(direct, batch), answers(pooled, batch), new String(batch, StandardCharsets.ISO_8859_1));
                // (A Parse of LISTEN pins even unexecuted: the scan reads Parse texts; a pin too many costs only pooling.)
                Await.until(Duration.ofSeconds(10), quietly(() -> intValue(pool(admin, DB, SCRAM_USER), "cl_pinned") == 1),
                        "pinned by its LISTEN (the previous batch's client has left)");
                assertEquals(List.of(), AdminRows.rows(admin, "SHOW LISTENERS"), "nothing multiplexed");
            }
        }
    }

    /** A client that leaves in the middle of a held batch leaves nothing behind: no subscription, no pin. */
    @Test
    void aClientLeavingMidBatchLeavesNothing() throws Exception {
        try (RawPgClient leaving = pooled()) {
            leaving.write(concat(parse("LISTEN wire_gone"), bind(0), describe('P')));
        }
        try (RawPgClient next = pooled(); Connection admin = admin()) {
            assertEquals("Z 49", last(answers(next, concat(parse("select 1"), bind(0), executeMessage(), SYNC))));
            Await.until(Duration.ofSeconds(10), quietly(() -> AdminRows.rows(admin, "SHOW CLIENTS").stream()
                    .filter(r -> DB.equals(r.get("database"))).count() == 1), "the leaving client is gone");
            assertEquals(0, intValue(pool(admin, DB, SCRAM_USER), "cl_pinned"));
            assertEquals(List.of(), AdminRows.rows(admin, "SHOW LISTENERS"));
        }
    }

    private static String last(List<String> messages) {
        return messages.get(messages.size() - 1);
    }

    private RawPgClient postgres() throws IOException {
        assumeTrue(pg.unixSocketDir().isPresent(), "PostgreSQL's unix socket (local binaries, not a container)");
        Path socket = pg.unixSocketDir().get().resolve(".s.PGSQL." + pg.port());
        return new RawPgClient(socket).loginTrusted(SCRAM_USER, DB);
    }

    private RawPgClient pooled() throws IOException {
        return new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB);
    }

    private Connection admin() throws SQLException {
        return pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
    }

    /** Sends {@code request} and returns every message up to ReadyForQuery, as "type hex-body". */
    private static List<String> answers(RawPgClient c, byte[] request) throws IOException {
        c.write(request);
        List<String> out = new ArrayList<>();
        RawPgClient.Message m;
        do {
            m = c.read();
            assertTrue(m != null, "closed after " + out);
            out.add(m.type() + " " + HexFormat.of().formatHex(m.body()));
        } while (m.type() != 'Z');
        return out;
    }

    /** Parse of the unnamed statement, no parameter types. */
    private static byte[] parse(String sql) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        return message('P', ByteBuffer.allocate(text.length + 4).put((byte) 0).put(text).put((byte) 0).putShort((short) 0)
                .array());
    }

    /** Bind of the unnamed portal, no parameters, {@code resultFormats} result format codes (binary). */
    private static byte[] bind(int resultFormats) {
        ByteBuffer b = ByteBuffer.allocate(8 + 2 * resultFormats).put((byte) 0).put((byte) 0).putShort((short) 0)
                .putShort((short) 0).putShort((short) resultFormats);
        for (int i = 0; i < resultFormats; i++) {
            b.putShort((short) 1);
        }
        return message('B', b.array());
    }

    private static byte[] describe(char kind) {
        return message('D', new byte[] {(byte) kind, 0});
    }

    private static byte[] executeMessage() {
        return message('E', ByteBuffer.allocate(5).put((byte) 0).putInt(0).array());
    }
}
