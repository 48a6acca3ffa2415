package io.pooler.server.it;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The extended-protocol messages tests send through {@link RawPgClient}, each a whole frame. */
final class ExtendedProtocol {

    private ExtendedProtocol() {
    }

    /** Binds and executes the named statement (no parameters) and expects a row, then ReadyForQuery. */
    static void assertRuns(RawPgClient client, String name) throws Exception {
        client.write(RawPgClient.concat(bind(name), execute(), sync()));
        RawPgClient.Message m;
        while ((m = client.read()) != null && m.type() != 'D') {
            assertTrue(m.type() != 'E', name + ": " + (m.type() == 'E' ? m.error() : ""));
        }
        assertNotNull(m, name + ": closed");
        client.readUntil('Z');
    }

    /** Parse of {@code sql} as the statement {@code name}, no parameter types. */
    static byte[] parse(String name, String sql) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        cstring(b, name);
        cstring(b, sql);
        b.write(0);
        b.write(0);
        return RawPgClient.message('P', b.toByteArray());
    }

    /** Bind of the unnamed portal to {@code name}, with text parameters, text results. */
    static byte[] bind(String name, String... params) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        cstring(b, "");
        cstring(b, name);
        b.write(0);
        b.write(0);
        b.write(params.length >> 8);
        b.write(params.length);
        for (String p : params) {
            byte[] v = p.getBytes(StandardCharsets.UTF_8);
            b.write(v.length >>> 24);
            b.write(v.length >>> 16);
            b.write(v.length >>> 8);
            b.write(v.length);
            b.writeBytes(v);
        }
        b.write(0);
        b.write(0);
        return RawPgClient.message('B', b.toByteArray());
    }

    /** Execute of the unnamed portal, all rows. */
    static byte[] execute() {
        return RawPgClient.message('E', new byte[] {0, 0, 0, 0, 0});
    }

    static byte[] describeStatement(String name) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write('S');
        cstring(b, name);
        return RawPgClient.message('D', b.toByteArray());
    }

    static byte[] closeStatement(String name) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write('S');
        cstring(b, name);
        return RawPgClient.message('C', b.toByteArray());
    }

    static byte[] sync() {
        return RawPgClient.message('S', new byte[0]);
    }

    private static void cstring(ByteArrayOutputStream b, String s) {
        b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        b.write(0);
    }
}
