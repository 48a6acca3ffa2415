package io.pooler.server.it;

import io.netty.channel.uring.IoUring;
import io.pooler.auth.Md5Auth;
import io.pooler.server.net.Transport;
import io.pooler.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_PASSWORD;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The io_uring transport (the default where the kernel allows it; asked for here with
 * {@code -Dpooler.transport=io_uring}, so the class tests it whatever the CI pass chooses) on what Netty
 * 4.2.18's io_uring channel got wrong. CI runs the classes that found those bugs under epoll too (.ci/run).
 */
@PoolerTest
class IoUringTransportTest {
    private final PoolerFixture pooler;
    private String previous;

    IoUringTransportTest(PoolerFixture pooler) {
        this.pooler = pooler.set("auth_type", "md5").set("admin_users", MD5_USER)
                .user(MD5_USER, Md5Auth.encode(MD5_USER, MD5_PASSWORD));
    }

    @BeforeEach
    void onIoUring() {
        assumeTrue(Transport.ioUringUsable(), "io_uring is not usable here: " + IoUring.unavailabilityCause());
        previous = System.setProperty("pooler.transport", "io_uring");
    }

    @AfterEach
    void back() {
        if (previous == null) {
            System.clearProperty("pooler.transport");
        } else {
            System.setProperty("pooler.transport", previous);
        }
    }

    /**
     * A client that sends part of its password message and then resets the connection must be let go.
     * Netty waited for a POLLIN before each read where the socket had no buffer group, and the poll that
     * brought the data had already announced the reset: the close was never seen, and 53 of 60 such
     * clients stayed counted in login (ProtocolFuzzTest found it).
     */
    @Test
    void aClientThatResetsAfterPartOfAMessageIsLetGo() throws Exception {
        pooler.start();
        for (int i = 0; i < 40; i++) {
            try (Socket socket = new Socket("127.0.0.1", pooler.port())) {
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                out.write(RawPgClient.startupMessage(MD5_USER, DB));
                out.flush();
                DataInputStream in = new DataInputStream(socket.getInputStream());
                assertEquals('R', in.readByte(), "asked for the md5 password");
                byte[] rest = new byte[in.readInt() - 4];
                in.readFully(rest);
                byte[] half = "wrong\0".getBytes(StandardCharsets.US_ASCII);
                out.writeByte('p');
                out.writeInt(4 + half.length + 1); // one byte more than is sent
                out.write(half);
                out.flush();
                socket.setSoLinger(true, 0); // close() sends a reset
            }
        }
        try (Connection admin = pooler.connectSimple("pgbouncer", MD5_USER, MD5_PASSWORD)) {
            Await.until(Duration.ofSeconds(10), Await.quietly(() -> loginClients(admin) == 0),
                    "no client left in login after the resets");
        }
        try (Connection c = pooler.connect(DB, MD5_USER, MD5_PASSWORD)) {
            assertEquals("1", queryString(c, "select 1"));
        }
    }

    private static long loginClients(Connection admin) throws Exception {
        Map<String, String> lists = new HashMap<>();
        rows(admin, "SHOW LISTS").forEach(r -> lists.put(r.get("list"), r.get("items")));
        return Long.parseLong(lists.get("login_clients"));
    }
}
