package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PgBouncer's rule for the unix socket: the OS user the pooler runs as may log in to the console as
 * {@code pgbouncer} without a password. Spoken over a raw socket, as PgJDBC has no unix sockets.
 */
@PoolerTest
class UnixSocketConsoleTest {
    private final PoolerFixture pooler;

    UnixSocketConsoleTest(PoolerFixture pooler) {
        this.pooler = pooler;
    }

    @Test
    void sameOsUserLogsInAsPgbouncerWithoutPassword() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD);
        Path dir = Files.createDirectories(pooler.dir().resolve("sock"));
        pooler.set("unix_socket_dir", dir.toString()).start();
        Path socket = dir.resolve(".s.PGSQL." + pooler.port());
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(startup("pgbouncer", "pgbouncer"));
            List<Message> login = readUntilReady(ch);
            assertEquals('R', login.get(0).type);
            assertEquals(0, login.get(0).body.getInt(0), "AuthenticationOk without a password request");
            ch.write(query("SHOW STATE"));
            List<Message> answer = readUntilReady(ch);
            assertTrue(answer.stream().anyMatch(m -> m.type == 'T'), "a row description");
            assertEquals(3, answer.stream().filter(m -> m.type == 'D').count(), "active, paused, suspended");
            ch.write(query("RELOAD"));
            assertTrue(readUntilReady(ch).stream().anyMatch(m -> m.type == 'C'), "admin rights: RELOAD is allowed");
        }
        // Over TCP the same name is an ordinary user, unknown to the auth file.
        SQLException tcp = assertThrows(SQLException.class, () -> pooler.connectSimple("pgbouncer", "pgbouncer", "x"));
        assertEquals("28P01", tcp.getSQLState());
    }

    record Message(char type, ByteBuffer body) {
    }

    static ByteBuffer startup(String user, String database) {
        byte[] params = ("user\0" + user + "\0database\0" + database + "\0\0").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + params.length);
        b.putInt(8 + params.length).putInt(3 << 16).put(params).flip();
        return b;
    }

    static ByteBuffer query(String sql) {
        byte[] text = (sql + "\0").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(5 + text.length);
        b.put((byte) 'Q').putInt(4 + text.length).put(text).flip();
        return b;
    }

    static List<Message> readUntilReady(SocketChannel ch) throws IOException {
        List<Message> messages = new ArrayList<>();
        while (true) {
            ByteBuffer header = readFully(ch, 5);
            char type = (char) header.get();
            ByteBuffer body = readFully(ch, header.getInt() - 4);
            if (type == 'E') {
                throw new AssertionError("error from the pooler: " + StandardCharsets.UTF_8.decode(body));
            }
            messages.add(new Message(type, body));
            if (type == 'Z') {
                return messages;
            }
        }
    }

    private static ByteBuffer readFully(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("closed");
            }
        }
        return b.flip();
    }
}
