package io.pooler.server.it;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Frontend messages as bytes, built by hand so a test can send exactly what a hostile client would:
 * the well-formed ones here, and anything else by editing their bytes. Names follow the PostgreSQL
 * protocol documentation. The one builder of the server's tests: the fuzz tests use it as it is, and
 * {@link RawPgClient}'s builders, named for the integration tests' batches, are made of it.
 */
public final class Wire {
    public static final int PROTOCOL_3_0 = 196608;
    public static final int SSL_REQUEST_CODE = 80877103;
    public static final int GSSENC_REQUEST_CODE = 80877104;
    public static final int CANCEL_REQUEST_CODE = 80877102;

    private Wire() {
    }

    public static byte[] startup(Map<String, String> parameters) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeInt(body, PROTOCOL_3_0);
        parameters.forEach((k, v) -> {
            writeCString(body, k);
            writeCString(body, v);
        });
        body.write(0);
        return untyped(body.toByteArray());
    }

    public static byte[] startup(String user, String database) {
        return startup(Map.of("user", user, "database", database));
    }

    public static byte[] sslRequest() {
        return untyped(intBytes(SSL_REQUEST_CODE));
    }

    public static byte[] gssencRequest() {
        return untyped(intBytes(GSSENC_REQUEST_CODE));
    }

    public static byte[] cancelRequest(int processId, int secretKey) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeInt(body, CANCEL_REQUEST_CODE);
        writeInt(body, processId);
        writeInt(body, secretKey);
        return untyped(body.toByteArray());
    }

    /** A length-prefixed packet without a type byte, as the startup phase uses. */
    public static byte[] untyped(byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(4 + body.length).put(body).array();
    }

    /** A typed message: type, length (body plus four), body. */
    public static byte[] typed(char type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
    }

    public static byte[] query(String sql) {
        return typed('Q', cstring(sql));
    }

    public static byte[] password(String password) {
        return typed('p', cstring(password));
    }

    /** SASLInitialResponse: mechanism, then the data with its length (-1 for none). */
    public static byte[] saslInitialResponse(String mechanism, byte[] data) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeCString(body, mechanism);
        writeInt(body, data == null ? -1 : data.length);
        if (data != null) {
            body.writeBytes(data);
        }
        return typed('p', body.toByteArray());
    }

    public static byte[] saslResponse(byte[] data) {
        return typed('p', data);
    }

    public static byte[] parse(String statement, String sql) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeCString(body, statement);
        writeCString(body, sql);
        writeShort(body, 0);
        return typed('P', body.toByteArray());
    }

    /** Bind with text parameters and text results. */
    public static byte[] bind(String portal, String statement, String... parameters) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeCString(body, portal);
        writeCString(body, statement);
        writeShort(body, 0);
        writeShort(body, parameters.length);
        for (String p : parameters) {
            byte[] value = p.getBytes(StandardCharsets.UTF_8);
            writeInt(body, value.length);
            body.writeBytes(value);
        }
        writeShort(body, 0);
        return typed('B', body.toByteArray());
    }

    /** Describe of a statement ('S') or portal ('P'). */
    public static byte[] describe(char kind, String name) {
        return targeted('D', kind, name);
    }

    public static byte[] execute(String portal, int maxRows) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeCString(body, portal);
        writeInt(body, maxRows);
        return typed('E', body.toByteArray());
    }

    /** Close of a statement ('S') or portal ('P'). */
    public static byte[] close(char kind, String name) {
        return targeted('C', kind, name);
    }

    /** A message of {@code type} whose body names a statement or portal: the kind byte, then the name. */
    private static byte[] targeted(char type, char kind, String name) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(kind);
        writeCString(body, name);
        return typed(type, body.toByteArray());
    }

    public static byte[] sync() {
        return typed('S', new byte[0]);
    }

    public static byte[] flush() {
        return typed('H', new byte[0]);
    }

    public static byte[] terminate() {
        return typed('X', new byte[0]);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    public static byte[] cstring(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, out, 0, bytes.length);
        return out;
    }

    public static byte[] intBytes(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    public static byte[] hex(String hex) {
        String digits = hex.replaceAll("\\s", "");
        byte[] out = new byte[digits.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    public static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return s.toString();
    }

    private static void writeCString(ByteArrayOutputStream out, String s) {
        out.writeBytes(cstring(s));
    }

    private static void writeInt(ByteArrayOutputStream out, int value) {
        out.writeBytes(intBytes(value));
    }

    private static void writeShort(ByteArrayOutputStream out, int value) {
        out.write(value >> 8);
        out.write(value);
    }
}
