package io.pooler.server.it;

import io.pooler.protocol.ErrorResponse;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed and oversized input gets an ErrorResponse with SQLSTATE 08P01 and a closed connection,
 * and a client already connected carries on.
 */
@PoolerTest
class BadInputTest {
    private final PoolerFixture pooler;

    BadInputTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("max_packet_size", "100000").start();
    }

    @Test
    void startupPacketWithoutTerminator() throws Exception {
        byte[] body = "user\0alice\0database".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(packet);
        out.writeInt(body.length + 8);
        out.writeInt(196608);
        out.write(body);
        assertRefusedWith08P01(packet.toByteArray(), "invalid startup packet layout");
    }

    @Test
    void startupPacketTooLong() throws Exception {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        new DataOutputStream(packet).writeInt(1_000_000);
        assertRefusedWith08P01(packet.toByteArray(), "invalid length of startup packet");
    }

    @Test
    void garbageInsteadOfAStartupPacket() throws Exception {
        assertRefusedWith08P01("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII), "");
    }

    @Test
    void messageOverMaxPacketSizeAfterLogin() throws Exception {
        try (Connection bystander = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection big = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            String huge = "x".repeat(200_000);
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                    () -> queryString(big, "select '" + huge + "'"));
            assertEquals("08P01", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("message too long"), e.getMessage());
            assertTrue(big.isClosed() || !big.isValid(2), "that connection is closed");
            assertEquals("1", queryString(bystander, "select 1"), "another client carries on");
        }
    }

    @Test
    void unsupportedStartupParameterIsRefused() {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("options", "-c search_path=evil");
        SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p));
        assertEquals("08P01", e.getSQLState());
        assertTrue(e.getMessage().contains("search_path"), e.getMessage());
    }

    private void assertRefusedWith08P01(byte[] bytes, String messagePart) throws Exception {
        try (Connection bystander = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD);
             Socket s = new Socket("127.0.0.1", pooler.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            DataInputStream data = new DataInputStream(in);
            int type = data.read();
            assertEquals('E', type, "an ErrorResponse");
            int length = data.readInt();
            byte[] msg = new byte[length - 4];
            data.readFully(msg);
            ErrorResponse error = ErrorResponse.parseBody(Unpooled.wrappedBuffer(msg));
            assertEquals("08P01", error.sqlState());
            assertTrue(error.message().contains(messagePart), error.message());
            assertEquals(-1, in.read(), "then the connection is closed");
            assertEquals("1", queryString(bystander, "select 1"), "another client carries on");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
