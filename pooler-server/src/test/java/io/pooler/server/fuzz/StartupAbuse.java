package io.pooler.server.fuzz;

import io.pooler.server.it.Wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hostile bytes before login: a damaged StartupMessage (lengths, protocol versions, parameter lists),
 * SSLRequest, GSSENCRequest and CancelRequest misused (twice, after the startup packet, with garbage
 * behind), or no protocol at all. Behind it, now and then, a Query that must never reach PostgreSQL.
 */
final class StartupAbuse {
    private static final int[] VERSIONS = {0, 0x00020000, 0x00030001, 0x00030002, 0x00040000, 0x0003FFFF,
            0xFFFFFFFF, Wire.CANCEL_REQUEST_CODE, Wire.SSL_REQUEST_CODE, Wire.GSSENC_REQUEST_CODE, 0x04D2162F};
    private static final int[] STARTUP_LENGTHS = {0, 1, 3, 4, 7, 8, 9, 10_000, 10_001, 0x7FFFFFFF, 0x80000000, -1, -8};

    private StartupAbuse() {
    }

    /** One pre-login input; {@code startup} is a real client's StartupMessage, {@code marker} a query tag. */
    static byte[] generate(Mutator m, byte[] startup, String user, String database, String marker) {
        var r = m.random();
        byte[] realStartup = withUserAndDatabase(startup, user, database);
        byte[] input = switch (r.nextInt(14)) {
            case 0 -> {
                m.note("random bytes only");
                yield m.randomBytes(1 + r.nextInt(200));
            }
            case 1 -> {
                int length = STARTUP_LENGTHS[r.nextInt(STARTUP_LENGTHS.length)];
                byte[] s = realStartup.clone();
                ByteBuffer.wrap(s).putInt(0, length);
                m.note("StartupMessage length set to " + length);
                yield s;
            }
            case 2 -> {
                int version = VERSIONS[r.nextInt(VERSIONS.length)];
                byte[] s = realStartup.clone();
                ByteBuffer.wrap(s).putInt(4, version);
                m.note("StartupMessage protocol version 0x" + Integer.toHexString(version));
                yield s;
            }
            case 3 -> {
                int kind = r.nextInt(9);
                m.note("StartupMessage parameters: " + describeParameterAbuse(kind));
                yield parameterAbuse(m, kind, user, database);
            }
            case 4 -> {
                m.note("SSLRequest twice, then the StartupMessage");
                yield Wire.concat(Wire.sslRequest(), Wire.sslRequest(), realStartup);
            }
            case 5 -> {
                m.note("GSSENCRequest, SSLRequest, GSSENCRequest, then the StartupMessage");
                yield Wire.concat(Wire.gssencRequest(), Wire.sslRequest(), Wire.gssencRequest(), realStartup);
            }
            case 6 -> {
                m.note("StartupMessage, then an SSLRequest in the typed phase");
                yield Wire.concat(realStartup, Wire.sslRequest());
            }
            case 7 -> {
                m.note("CancelRequest with garbage behind it");
                yield Wire.concat(Wire.cancelRequest(r.nextInt(), r.nextInt()), m.randomBytes(1 + r.nextInt(64)));
            }
            case 8 -> {
                int length = r.nextBoolean() ? 12 : 20;
                m.note("CancelRequest of length " + length);
                ByteBuffer b = ByteBuffer.allocate(Math.max(length, 16)).putInt(length).putInt(Wire.CANCEL_REQUEST_CODE)
                        .putInt(r.nextInt()).putInt(r.nextInt());
                yield java.util.Arrays.copyOf(b.array(), length);
            }
            case 9 -> {
                m.note("StartupMessage, then a CancelRequest");
                yield Wire.concat(realStartup, Wire.cancelRequest(1, 2));
            }
            case 10 -> {
                m.note("SSLRequest with a StartupMessage in the same write (plaintext behind the request)");
                yield Wire.concat(Wire.sslRequest(), realStartup);
            }
            case 11 -> {
                m.note("a TLS ClientHello instead of a StartupMessage");
                yield Wire.hex("16030100c4010000c00303") ;
            }
            case 12 -> {
                m.note("an HTTP request");
                yield "GET / HTTP/1.1\r\nHost: pooler\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            }
            default -> {
                m.note("a real StartupMessage, damaged");
                yield m.damageStream(realStartup);
            }
        };
        if (r.nextInt(3) == 0) {
            input = m.damageStream(input);
        }
        if (r.nextBoolean()) {
            m.note("a Query with the marker behind");
            input = Wire.concat(input, Wire.query("select '" + marker + "'"));
        }
        return input;
    }

    private static String describeParameterAbuse(int kind) {
        return switch (kind) {
            case 0 -> "no final terminator";
            case 1 -> "a name without a value";
            case 2 -> "a 9000-byte value";
            case 3 -> "600 parameters";
            case 4 -> "bytes that are not UTF-8";
            case 5 -> "no user";
            case 6 -> "replication and options";
            case 7 -> "user twice, the second empty";
            default -> "a 200-character database name";
        };
    }

    private static byte[] parameterAbuse(Mutator m, int kind, String user, String database) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("user", user);
        p.put("database", database);
        switch (kind) {
            case 0 -> {
                byte[] s = Wire.startup(p);
                byte[] cut = java.util.Arrays.copyOf(s, s.length - 1);
                ByteBuffer.wrap(cut).putInt(0, cut.length);
                return cut;
            }
            case 1 -> {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                body.writeBytes(Wire.intBytes(Wire.PROTOCOL_3_0));
                body.writeBytes(Wire.cstring("user"));
                body.writeBytes(Wire.cstring(user));
                body.writeBytes(Wire.cstring("database"));
                body.write(0);
                return Wire.untyped(body.toByteArray());
            }
            case 2 -> p.put("application_name", "x".repeat(9000));
            case 3 -> {
                for (int i = 0; i < 600; i++) {
                    p.put("p" + i, "v");
                }
            }
            case 4 -> p.put("application_name", new String(m.randomBytes(20), StandardCharsets.ISO_8859_1));
            case 5 -> p.remove("user");
            case 6 -> {
                p.put("replication", "true");
                p.put("options", "-c search_path=evil -c log_statement=none");
            }
            case 7 -> {
                byte[] s = Wire.startup(p);
                byte[] extra = Wire.concat(Wire.cstring("user"), Wire.cstring(""));
                byte[] out = new byte[s.length + extra.length];
                System.arraycopy(s, 0, out, 0, s.length - 1);
                System.arraycopy(extra, 0, out, s.length - 1, extra.length);
                ByteBuffer.wrap(out).putInt(0, out.length);
                return out;
            }
            default -> p.put("database", "d".repeat(200));
        }
        return Wire.startup(p);
    }

    /** The recorded StartupMessage with this run's user and database in place of the recorded ones. */
    static byte[] withUserAndDatabase(byte[] startup, String user, String database) {
        Map<String, String> p = new LinkedHashMap<>();
        ByteBuffer b = ByteBuffer.wrap(startup);
        int i = 8;
        while (i < startup.length && startup[i] != 0) {
            int nameEnd = indexOf(startup, i);
            int valueEnd = indexOf(startup, nameEnd + 1);
            p.put(new String(startup, i, nameEnd - i, StandardCharsets.UTF_8),
                    new String(startup, nameEnd + 1, valueEnd - nameEnd - 1, StandardCharsets.UTF_8));
            i = valueEnd + 1;
        }
        if (b.getInt(4) != Wire.PROTOCOL_3_0) {
            throw new IllegalArgumentException("not a StartupMessage");
        }
        p.put("user", user);
        p.put("database", database);
        return Wire.startup(p);
    }

    private static int indexOf(byte[] b, int from) {
        int i = from;
        while (i < b.length && b[i] != 0) {
            i++;
        }
        return i;
    }
}
