package io.pooler.server.fuzz;

import io.pooler.server.it.Wire;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scripted hostile "PostgreSQL" on a loopback port: the source of hostile input on the pooler's
 * server side, not a stand-in for PostgreSQL (the normal paths use the real one). It logs the pooler in
 * (trust or cleartext, or a damaged login now and then: absurd SCRAM iteration counts, bad salts, wrong
 * nonces, wrong signatures, unknown requests, truncations), then answers every
 * {@code select 'hostile-<case>'} with the reply its fuzz case registered: usually a mutated one. Other
 * queries (the pooler's own) get a plain CommandComplete and ReadyForQuery.
 *
 * <p>A reply that breaks the framing is followed by a close, so the pooler is never left waiting for
 * bytes that will not come; a close is part of the hostile input too.
 */
final class HostileServer implements AutoCloseable {
    /** The reply for one fuzz case's query, and whether to close the connection after it. */
    record Reply(byte[] bytes, boolean closeAfter) {
    }

    static final String TAG_PREFIX = "hostile-";
    private static final Pattern TAG = Pattern.compile("hostile-(\\d+)x(\\d+)");
    /** The damaged logins {@link #hostileLogin} plays, by number. */
    static final List<String> LOGIN_VARIANTS = List.of(
            "SCRAM asking for 2147483647 iterations",
            "SCRAM asking for 100001 iterations",
            "SCRAM with a salt that is not base64",
            "SCRAM with a nonce that does not extend the client's",
            "SCRAM server-first without s=",
            "SCRAM server-final with a wrong signature",
            "an unknown authentication request (99)",
            "an authentication request without a code (length 4)",
            "FATAL 28P01 at login",
            "the welcome cut after 40 bytes, then close",
            "BackendKeyData with a 2-byte body",
            "ReadyForQuery with status 'X' at login",
            "close right after the StartupMessage",
            "a 1 MB ParameterStatus at login",
            "10000 ParameterStatus messages at login",
            "AuthenticationOk twice",
            "an ErrorResponse with no fields at all (length 4)",
            "random bytes",
            "FATAL 28P01 at login, then a whole welcome in the same packet");

    private final ServerSocket listener;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "hostile-server");
        t.setDaemon(true);
        return t;
    });
    private final Map<Long, Reply> replies = new ConcurrentHashMap<>();
    private final long seed;
    private final int hostileLoginPercent;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong hostileLogins = new AtomicLong();
    private final List<Socket> open = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile boolean closed;

    /** Every login gets this variant of {@link #hostileLogin}, or a random choice when negative. */
    private final int forcedLoginVariant;

    HostileServer(long seed, int hostileLoginPercent) throws IOException {
        this(seed, hostileLoginPercent, -1);
    }

    HostileServer(long seed, int hostileLoginPercent, int forcedLoginVariant) throws IOException {
        this.forcedLoginVariant = forcedLoginVariant;
        this.seed = seed;
        this.hostileLoginPercent = hostileLoginPercent;
        this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    long connections() {
        return connections.get();
    }

    long hostileLogins() {
        return hostileLogins.get();
    }

    /** The tag a case puts in its query; a checksum makes a damaged tag unlike another case's. */
    static String tag(long caseId) {
        return TAG_PREFIX + caseId + "x" + Math.floorMod(caseId * 7919L + 17, 100_003);
    }

    /** The case whose well-formed tag this text is, or -1. */
    static long caseOfTag(String text) {
        Matcher m = TAG.matcher(text == null ? "" : text);
        if (!m.matches()) {
            return -1;
        }
        long id = Long.parseLong(m.group(1));
        return tag(id).equals(text) ? id : -1;
    }

    void register(long caseId, Reply reply) {
        replies.put(caseId, reply);
    }

    void forget(long caseId) {
        replies.remove(caseId);
    }

    /** The well-formed reply to {@code select '<tag>'}: RowDescription, DataRow, CommandComplete, ReadyForQuery. */
    static List<byte[]> normalReply(String tag) {
        ByteArrayOutputStream rowDescription = new ByteArrayOutputStream();
        rowDescription.writeBytes(new byte[] {0, 1});
        rowDescription.writeBytes(Wire.cstring("?column?"));
        rowDescription.writeBytes(ByteBuffer.allocate(18).putInt(0).putShort((short) 0).putInt(25).putShort((short) -1)
                .putInt(-1).putShort((short) 0).array());
        byte[] value = tag.getBytes(StandardCharsets.US_ASCII);
        byte[] dataRow = ByteBuffer.allocate(6 + value.length).putShort((short) 1).putInt(value.length).put(value).array();
        return new ArrayList<>(List.of(Wire.typed('T', rowDescription.toByteArray()), Wire.typed('D', dataRow),
                Wire.typed('C', Wire.cstring("SELECT 1")), Wire.typed('Z', new byte[] {'I'})));
    }

    /** Backend messages that are wrong in most places, for splicing into replies. */
    static List<byte[]> backendPalette(List<byte[]> realBackendMessages) {
        List<byte[]> p = new ArrayList<>(realBackendMessages);
        p.add(Wire.typed('Z', new byte[] {'X'}));
        p.add(Wire.typed('Z', new byte[] {0}));
        p.add(Wire.typed('Z', new byte[] {'T'}));
        p.add(Wire.typed('Z', new byte[] {'E'}));
        p.add(Wire.typed('Z', new byte[] {'I', 'I'}));
        p.add(Wire.typed('Z', new byte[0]));
        p.add(parameterStatus("application_name", "x".repeat(100_000)));
        p.add(parameterStatus("y".repeat(5000), "z"));
        p.add(Wire.typed('S', "no terminators".getBytes(StandardCharsets.US_ASCII)));
        p.add(Wire.typed('S', new byte[0]));
        p.add(Wire.typed('K', new byte[] {1, 2, 3}));
        p.add(Wire.typed('K', ByteBuffer.allocate(8).putInt(1).putInt(2).array()));
        p.add(Wire.typed('R', Wire.intBytes(0)));
        p.add(Wire.typed('R', Wire.intBytes(3)));
        p.add(Wire.typed('R', new byte[0]));
        p.add(Wire.typed('G', new byte[] {0, 0, 0}));
        p.add(Wire.typed('H', new byte[] {0, 0, 0}));
        p.add(Wire.typed('W', new byte[] {0, 0, 0}));
        p.add(Wire.typed('A', Wire.concat(Wire.intBytes(1), Wire.cstring("chan"), Wire.cstring("payload"))));
        p.add(Wire.typed('N', Wire.concat(Wire.cstring("SNOTICE"), Wire.cstring("C00000"), Wire.cstring("Mhello"), new byte[] {0})));
        p.add(Wire.typed('E', new byte[] {0}));
        p.add(Wire.typed('E', Wire.concat(Wire.cstring("SFATAL"), Wire.cstring("C57P01"), Wire.cstring("Mterminating"), new byte[] {0})));
        p.add(Wire.typed('E', Wire.concat(Wire.cstring("SERROR"), Wire.cstring("M" + "m".repeat(100_000)), new byte[] {0})));
        p.add(Wire.typed('E', "no fields at all".getBytes(StandardCharsets.US_ASCII)));
        p.add(Wire.typed('v', Wire.concat(Wire.intBytes(0x00030000), Wire.intBytes(1), Wire.cstring("_pq_.x"))));
        p.add(Wire.typed('s', new byte[0]));
        p.add(Wire.typed('1', new byte[0]));
        p.add(Wire.typed('I', new byte[0]));
        p.add(Wire.typed('D', Wire.hex("ffff")));
        p.add(Wire.typed('D', Wire.hex("0001 7ffffff0 61")));
        p.add(Wire.typed('C', new byte[0]));
        p.add(Wire.typed('?', new byte[] {1, 2, 3, 4}));
        return p;
    }

    static byte[] parameterStatus(String name, String value) {
        return Wire.typed('S', Wire.concat(Wire.cstring(name), Wire.cstring(value)));
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = listener.accept();
                s.setTcpNoDelay(true);
                open.add(s);
                long n = connections.incrementAndGet();
                threads.execute(() -> serve(s, new SplittableRandom(seed * 31 + n)));
            } catch (IOException e) {
                if (!closed) {
                    sleepQuietly(10);
                }
            }
        }
    }

    private void serve(Socket socket, SplittableRandom random) {
        try (socket) {
            socket.setSoTimeout(60_000);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            if (!readStartup(in, out)) {
                return;
            }
            boolean hostile = random.nextInt(100) < hostileLoginPercent;
            if (hostile) {
                hostileLogins.incrementAndGet();
                hostileLogin(forcedLoginVariant >= 0 ? forcedLoginVariant : random.nextInt(LOGIN_VARIANTS.size()), random, in, out);
                sleepQuietly(200);
                return;
            }
            if (random.nextInt(10) == 0) {
                out.write(Wire.typed('R', Wire.intBytes(3)));
                out.flush();
                if (readTyped(in) == null) {
                    return;
                }
            }
            out.write(welcome());
            out.flush();
            serveQueries(in, out);
        } catch (IOException e) {
            // the pooler closed or reset: nothing more to serve
        }
    }

    /** SSLRequest (answered N) and GSSENCRequest, then the StartupMessage. */
    private static boolean readStartup(DataInputStream in, OutputStream out) throws IOException {
        while (true) {
            int length = in.readInt();
            if (length < 8 || length > 10_000) {
                return false;
            }
            byte[] body = new byte[length - 4];
            in.readFully(body);
            int code = ByteBuffer.wrap(body).getInt();
            if (code == Wire.SSL_REQUEST_CODE || code == Wire.GSSENC_REQUEST_CODE) {
                out.write('N');
                out.flush();
                continue;
            }
            return code == Wire.PROTOCOL_3_0;
        }
    }

    private static byte[] welcome() {
        return Wire.concat(Wire.typed('R', Wire.intBytes(0)),
                parameterStatus("server_version", "17.0"),
                parameterStatus("server_encoding", "UTF8"),
                parameterStatus("client_encoding", "UTF8"),
                parameterStatus("DateStyle", "ISO, MDY"),
                parameterStatus("TimeZone", "UTC"),
                parameterStatus("integer_datetimes", "on"),
                parameterStatus("standard_conforming_strings", "on"),
                parameterStatus("application_name", ""),
                Wire.typed('K', ByteBuffer.allocate(8).putInt(4242).putInt(777).array()),
                Wire.typed('Z', new byte[] {'I'}));
    }

    private void hostileLogin(int variant, SplittableRandom random, DataInputStream in, OutputStream out) throws IOException {
        switch (variant) {
            case 0, 1, 2, 3, 4, 5 -> scramLogin(variant, in, out);
            case 6 -> out.write(Wire.typed('R', Wire.intBytes(99)));
            case 7 -> out.write(Wire.typed('R', new byte[0]));
            case 8 -> out.write(Wire.typed('E', Wire.concat(Wire.cstring("SFATAL"), Wire.cstring("C28P01"),
                    Wire.cstring("Mpassword authentication failed"), new byte[] {0})));
            case 9 -> out.write(java.util.Arrays.copyOf(welcome(), 40));
            case 10 -> out.write(Wire.concat(Wire.typed('R', Wire.intBytes(0)), Wire.typed('K', new byte[] {1, 2}),
                    Wire.typed('Z', new byte[] {'I'})));
            case 11 -> out.write(Wire.concat(Wire.typed('R', Wire.intBytes(0)), Wire.typed('Z', new byte[] {'X'})));
            case 12 -> {
                // close at once
            }
            case 13 -> out.write(Wire.concat(Wire.typed('R', Wire.intBytes(0)),
                    parameterStatus("application_name", "a".repeat(1 << 20)), Wire.typed('Z', new byte[] {'I'})));
            case 14 -> {
                ByteArrayOutputStream many = new ByteArrayOutputStream();
                many.writeBytes(Wire.typed('R', Wire.intBytes(0)));
                for (int i = 0; i < 10_000; i++) {
                    many.writeBytes(parameterStatus("p" + i, "v"));
                }
                many.writeBytes(Wire.typed('Z', new byte[] {'I'}));
                out.write(many.toByteArray());
            }
            case 15 -> out.write(Wire.concat(Wire.typed('R', Wire.intBytes(0)), Wire.typed('R', Wire.intBytes(0)),
                    Wire.typed('Z', new byte[] {'I'})));
            case 16 -> out.write(Wire.typed('E', new byte[0]));
            case 18 -> out.write(Wire.concat(Wire.typed('E', Wire.concat(Wire.cstring("SFATAL"), Wire.cstring("C28P01"),
                    Wire.cstring("Mpassword authentication failed"), new byte[] {0})), welcome()));
            default -> {
                byte[] junk = new byte[1 + random.nextInt(100)];
                for (int i = 0; i < junk.length; i++) {
                    junk[i] = (byte) random.nextInt(256);
                }
                out.write(junk);
            }
        }
        out.flush();
    }

    /** SCRAM with a hostile server-first (or, variant 5, a wrong server signature). */
    private static void scramLogin(int variant, DataInputStream in, OutputStream out) throws IOException {
        out.write(Wire.typed('R', Wire.concat(Wire.intBytes(10), Wire.cstring("SCRAM-SHA-256"), new byte[] {0})));
        out.flush();
        byte[] initial = readTyped(in);
        if (initial == null) {
            return;
        }
        String clientFirst = new String(initial, StandardCharsets.ISO_8859_1);
        int r = clientFirst.indexOf("r=");
        String clientNonce = r < 0 ? "" : clientFirst.substring(r + 2).split(",")[0];
        String salt = Base64.getEncoder().encodeToString("saltsaltsaltsalt".getBytes(StandardCharsets.US_ASCII));
        String serverFirst = switch (variant) {
            case 0 -> "r=" + clientNonce + "srv,s=" + salt + ",i=2147483647";
            case 1 -> "r=" + clientNonce + "srv,s=" + salt + ",i=100001";
            case 2 -> "r=" + clientNonce + "srv,s=!!not-base64!!,i=4096";
            case 3 -> "r=someoneelsesnonce,s=" + salt + ",i=4096";
            case 4 -> "r=" + clientNonce + "srv,i=4096";
            default -> "r=" + clientNonce + "srv,s=" + salt + ",i=4096";
        };
        out.write(Wire.typed('R', Wire.concat(Wire.intBytes(11), serverFirst.getBytes(StandardCharsets.US_ASCII))));
        out.flush();
        if (readTyped(in) == null) {
            return;
        }
        out.write(Wire.typed('R', Wire.concat(Wire.intBytes(12),
                ("v=" + Base64.getEncoder().encodeToString(new byte[32])).getBytes(StandardCharsets.US_ASCII))));
        out.write(Wire.typed('R', Wire.intBytes(0)));
        out.flush();
    }

    private void serveQueries(DataInputStream in, OutputStream out) throws IOException {
        while (true) {
            byte[] message = readTypedWithType(in);
            if (message == null || message[0] == 'X') {
                return;
            }
            if (message[0] == 'S') {
                out.write(Wire.typed('Z', new byte[] {'I'}));
                out.flush();
                continue;
            }
            if (message[0] != 'Q') {
                continue;
            }
            String sql = new String(message, 5, Math.max(0, message.length - 6), StandardCharsets.UTF_8);
            long caseId = caseInQuery(sql);
            Reply reply = caseId < 0 ? null : replies.get(caseId);
            if (reply == null) {
                String tag = sql.isBlank() ? "EMPTY" : sql.strip().split("\\s+")[0].toUpperCase(java.util.Locale.ROOT);
                out.write(Wire.concat(Wire.typed('C', Wire.cstring(tag)), Wire.typed('Z', new byte[] {'I'})));
                out.flush();
                continue;
            }
            out.write(reply.bytes());
            out.flush();
            if (reply.closeAfter()) {
                sleepQuietly(20);
                return;
            }
        }
    }

    private static long caseInQuery(String sql) {
        int at = sql.indexOf(TAG_PREFIX);
        if (at < 0) {
            return -1;
        }
        int end = sql.indexOf('\'', at);
        return caseOfTag(end < 0 ? sql.substring(at) : sql.substring(at, end));
    }

    /** The body of the next typed message, or null at end of stream or on a length we will not read. */
    private static byte[] readTyped(DataInputStream in) throws IOException {
        byte[] m = readTypedWithType(in);
        return m == null ? null : java.util.Arrays.copyOfRange(m, 5, m.length);
    }

    private static byte[] readTypedWithType(DataInputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        int length = in.readInt();
        if (length < 4 || length > (64 << 20)) {
            return null;
        }
        byte[] m = new byte[length + 1];
        m[0] = (byte) type;
        ByteBuffer.wrap(m).putInt(1, length);
        in.readFully(m, 5, length - 4);
        return m;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis); // a scripted server that answers slowly on purpose
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        synchronized (open) {
            for (Socket s : open) {
                s.close();
            }
        }
        threads.shutdownNow();
    }
}
