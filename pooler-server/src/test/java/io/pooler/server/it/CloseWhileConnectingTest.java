package io.pooler.server.it;

import io.pooler.testing.Await;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;

/**
 * Issue 10: a server connection closed while its TCP connect is still under way must not live on.
 * Today close() only sets a flag when the channel is not connected yet; when the connect completes,
 * the connection sends nothing and closes nothing, and the socket stays open until PostgreSQL's
 * authentication_timeout (here, a fake server that never gives up: for ever).
 *
 * <p>The connect is held up with a listening socket whose accept queue is full: Linux drops the SYNs
 * and the connecting side retries. A client makes the pool launch a server and leaves; KILL closes the
 * server; then the queue is drained, so a connect that is still being retried completes.
 */
@PoolerTest
@Tag("issue10")
class CloseWhileConnectingTest {
    /** Far more than closing a socket takes. */
    private static final int CLOSE_DEADLINE_MILLIS = 5_000;
    /** Longer than the SYN retries' back-off (1, 2, 4, 8 s) takes to try again. */
    private static final int ARRIVAL_MILLIS = 20_000;

    private final PoolerFixture pooler;

    CloseWhileConnectingTest(PoolerFixture pooler) {
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("server_connect_timeout", "120").set("server_login_retry", "120");
    }

    @Test
    void aServerClosedWhileConnectingClosesItsSocket() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = fillAcceptQueue(silent);
            pooler.database("silent", "host=127.0.0.1 port=" + silent.getLocalPort() + " dbname=silent").start();
            try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
                // A client makes the pool launch a server, then leaves: nobody is left to launch another.
                try (Socket client = new Socket("127.0.0.1", pooler.port())) {
                    client.getOutputStream().write(startupMessage("silent"));
                    Await.until(Duration.ofSeconds(10), () -> serversInLogin(admin) == 1,
                            "the pool launched a server for the client");
                }
                Await.until(Duration.ofSeconds(10), () -> clientsOf(admin, "silent") == 0, "the client is gone");
                try (Statement s = admin.createStatement()) {
                    s.execute("KILL silent");
                }
                Await.until(Duration.ofSeconds(10), () -> serversInLogin(admin) == 0,
                        "KILL took the connecting server out of the pool");
            }
            for (Socket f : fillers) {
                f.close();
            }
            drainFillers(silent, fillers.size());
            silent.setSoTimeout(ARRIVAL_MILLIS);
            Socket late;
            try {
                late = silent.accept();
            } catch (SocketTimeoutException abandoned) {
                return; // the connect was given up when the server was closed: nothing left open
            }
            try (late) {
                late.setSoTimeout(CLOSE_DEADLINE_MILLIS);
                InputStream in = late.getInputStream();
                int received = 0;
                try {
                    while (in.read() != -1) {
                        received++; // e.g. an SSLRequest: whatever it sends, the connection must end
                    }
                } catch (SocketTimeoutException stillOpen) {
                    throw new AssertionError("the server connection closed by KILL while connecting is still open "
                            + CLOSE_DEADLINE_MILLIS + " ms after its connect completed (it sent " + received + " bytes)",
                            stillOpen);
                }
            }
        }
    }

    /**
     * Connects until the listener's accept queue is full, which the first connect that does not
     * complete shows; Linux then drops further SYNs.
     */
    private static List<Socket> fillAcceptQueue(ServerSocket listener) throws IOException {
        List<Socket> fillers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort()), 500);
                fillers.add(s);
            } catch (SocketTimeoutException full) {
                s.close();
                return fillers;
            }
        }
        throw new AssertionError("the accept queue never filled up: connects cannot be held up this way here");
    }

    /** Accepts (and closes) the fillers' connections, which are first in the accept queue. */
    private static void drainFillers(ServerSocket listener, int count) throws IOException {
        listener.setSoTimeout(5_000);
        for (int i = 0; i < count; i++) {
            listener.accept().close();
        }
    }

    private static byte[] startupMessage(String database) {
        byte[] params = ("user\0" + SCRAM_USER + "\0database\0" + database + "\0\0").getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(8 + params.length).putInt(8 + params.length).putInt(196608).put(params).array();
    }

    private static long clientsOf(Connection admin, String database) {
        try {
            return AdminRows.rows(admin, "SHOW CLIENTS").stream().filter(r -> database.equals(r.get("database"))).count();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** sv_login of the silent pool, or -1 while there is no such pool yet. */
    private static int serversInLogin(Connection admin) {
        try {
            return AdminRows.rows(admin, "SHOW POOLS").stream().filter(r -> "silent".equals(r.get("database")))
                    .mapToInt(r -> AdminRows.intValue(r, "sv_login")).findFirst().orElse(-1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
