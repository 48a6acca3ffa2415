package io.pooler.server.it;

import io.pooler.server.PoolerServer;
import io.pooler.testing.Await;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** listen_addr forms, the Unix socket's mode and group, and client_login_timeout against silent clients. */
@PoolerTest
class ListenAndLoginTimeoutTest {
    private final PoolerFixture pooler;

    ListenAndLoginTimeoutTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD);
    }

    @Test
    void listensOnEachAddressOfTheList() throws Exception {
        pooler.set("listen_addr", "127.0.0.1, ::1").start();
        assertEquals(SCRAM_USER, currentUser("127.0.0.1"));
        assertEquals(SCRAM_USER, currentUser("[::1]"));
    }

    @Test
    void starListensOnIpv4AndIpv6() throws Exception {
        pooler.set("listen_addr", "*").start();
        assertEquals(SCRAM_USER, currentUser("127.0.0.1"));
        assertEquals(SCRAM_USER, currentUser("[::1]"));
    }

    @Test
    void unixSocketGetsItsModeAndGroup() throws Exception {
        GroupPrincipal daemon;
        Path dir = Files.createTempDirectory("pooler-sock-");
        try {
            daemon = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("daemon");
        } catch (IOException e) {
            Assumptions.abort("no group named daemon here");
            return;
        }
        pooler.set("unix_socket_dir", dir.toString()).set("unix_socket_mode", "0660").set("unix_socket_group", "daemon").start();
        Path socket = dir.resolve(".s.PGSQL." + pooler.port());
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals(daemon, Files.getAttribute(socket, "posix:group"));
    }

    @Test
    void anUnknownSocketGroupStopsStartup() throws Exception {
        Path dir = Files.createTempDirectory("pooler-sock-");
        pooler.set("unix_socket_dir", dir.toString()).set("unix_socket_group", "no_such_group_here");
        pooler.writeFiles();
        Exception e = assertThrows(Exception.class, () -> PoolerServer.start(pooler.dir().resolve("pooler.ini")));
        assertTrue(e.getMessage().contains("unix_socket_group \"no_such_group_here\""), e.getMessage());
    }

    @Test
    void aClientThatConnectsAndSendsNothingIsClosedAfterClientLoginTimeout() throws Exception {
        pooler.set("client_login_timeout", "1").start();
        try (Socket socket = new Socket("127.0.0.1", pooler.port())) {
            socket.setSoTimeout(10_000);
            long start = System.nanoTime();
            String error = readErrorThenEof(socket.getInputStream());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(error.contains("client_login_timeout"), error);
            assertTrue(millis >= 900 && millis < 5000, "closed after " + millis + " ms");
        }
        awaitNoClients();
    }

    @Test
    void aClientThatNeverAnswersThePasswordRequestIsClosedToo() throws Exception {
        pooler.set("client_login_timeout", "1").start();
        try (Socket socket = new Socket("127.0.0.1", pooler.port())) {
            socket.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] params = ("user\0" + SCRAM_USER + "\0database\0" + DB + "\0\0").getBytes(StandardCharsets.UTF_8);
            out.writeInt(8 + params.length);
            out.writeInt(196608);
            out.write(params);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            assertEquals('R', in.readByte(), "asked for a password first");
            in.readFully(new byte[in.readInt() - 4]);
            String error = readErrorThenEof(in);
            assertTrue(error.contains("client_login_timeout"), error);
        }
        awaitNoClients();
    }

    /** Reads one ErrorResponse and returns its fields as text, then expects the connection to end. */
    private static String readErrorThenEof(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        assertEquals('E', in.readByte());
        byte[] body = new byte[in.readInt() - 4];
        in.readFully(body);
        assertThrows(EOFException.class, in::readByte);
        return new String(body, StandardCharsets.UTF_8);
    }

    private void awaitNoClients() {
        Await.until(Duration.ofSeconds(5), () -> pooler.server().clientCount() == 0,
                () -> pooler.server().clientCount() + " clients still counted");
    }

    private String currentUser(String host) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", SCRAM_USER);
        p.setProperty("password", SCRAM_PASSWORD);
        p.setProperty("connectTimeout", "10");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + host + ":" + pooler.port() + "/" + DB, p)) {
            return queryString(c, "select current_user");
        }
    }
}
