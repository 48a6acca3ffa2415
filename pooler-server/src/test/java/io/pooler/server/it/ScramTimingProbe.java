package io.pooler.server.it;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.StringPreparation;
import io.pooler.auth.ScramSecret;
import io.pooler.server.PoolerServer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures, over TCP to an in-process pooler, how long a failed SCRAM login takes for a user whose
 * userlist secret is a plain-text password, one with a stored verifier, and an unknown user (issue 9,
 * item 6). Not a test: timing on a shared machine is too noisy to assert in CI. No PostgreSQL is needed,
 * since the pooler answers the whole exchange itself. Run it by hand:
 * <pre>
 *   mvn -B -q -o -pl pooler-server -am test-compile
 *   java -cp pooler-server/target/test-classes:pooler-server/target/classes:pooler-core/target/classes:\
 *     pooler-admin/target/classes:$(cat classpath.txt) io.pooler.server.it.ScramTimingProbe [rounds]
 * </pre>
 * with classpath.txt from {@code mvn -o -pl pooler-server dependency:build-classpath -Dmdep.outputFile=...}.
 * Rounds (default 500) are interleaved across the three kinds, after a warm-up, so drift hits all alike.
 */
public final class ScramTimingProbe {
    private static final String PLAIN = "probe_plain";
    private static final String VERIFIER = "probe_verifier";
    private static final String UNKNOWN = "probe_unknown";

    private ScramTimingProbe() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        Path dir = Files.createTempDirectory("scram-probe-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String verifier = ScramSecret.fromPassword("verifier-secret", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                13, 14, 15, 16}, 4096).format();
        Files.writeString(dir.resolve("userlist.txt"), "\"" + PLAIN + "\" \"plain-secret\"\n\"" + VERIFIER + "\" \""
                + verifier + "\"\n");
        Files.writeString(dir.resolve("pooler.ini"), String.join("\n", "[databases]", "* = host=127.0.0.1 port=1",
                "[pgbouncer]", "listen_addr = 127.0.0.1", "listen_port = " + port, "unix_socket_dir =",
                "auth_type = scram-sha-256", "auth_file = userlist.txt", "") + "\n");
        PoolerServer server = PoolerServer.start(dir.resolve("pooler.ini"));
        try {
            Map<String, List<Long>> times = new LinkedHashMap<>();
            for (String user : List.of(PLAIN, VERIFIER, UNKNOWN)) {
                times.put(user, new ArrayList<>());
            }
            for (int warm = 0; warm < 100; warm++) {
                for (String user : times.keySet()) {
                    failedLoginNanos(port, user);
                }
            }
            for (int i = 0; i < rounds; i++) {
                for (String user : times.keySet()) {
                    times.get(user).add(failedLoginNanos(port, user));
                }
            }
            times.forEach((user, nanos) -> {
                long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
                System.out.printf("%-15s n=%d  median %.3f ms  p10 %.3f ms  p90 %.3f ms%n", user, sorted.length,
                        sorted[sorted.length / 2] / 1e6, sorted[sorted.length / 10] / 1e6,
                        sorted[sorted.length * 9 / 10] / 1e6);
            });
        } finally {
            server.close();
        }
    }

    /** StartupMessage to ErrorResponse: a whole SCRAM exchange with a wrong password. */
    private static long failedLoginNanos(int port, String user) throws Exception {
        ScramClient client = ScramClient.builder().advertisedMechanisms(List.of("SCRAM-SHA-256")).username("*")
                .password("wrong guess".toCharArray()).stringPreparation(StringPreparation.POSTGRESQL_PREPARATION)
                .build();
        long start = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] params = ("user\0" + user + "\0database\0probe\0\0").getBytes(StandardCharsets.UTF_8);
            out.writeInt(8 + params.length);
            out.writeInt(196608);
            out.write(params);
            out.flush();
            expect(in, 'R'); // AuthenticationSASL
            byte[] first = client.clientFirstMessage().toString().getBytes(StandardCharsets.UTF_8);
            byte[] mechanism = "SCRAM-SHA-256\0".getBytes(StandardCharsets.US_ASCII);
            out.writeByte('p');
            out.writeInt(4 + mechanism.length + 4 + first.length);
            out.write(mechanism);
            out.writeInt(first.length);
            out.write(first);
            out.flush();
            byte[] cont = expect(in, 'R'); // AuthenticationSASLContinue
            client.serverFirstMessage(new String(cont, 4, cont.length - 4, StandardCharsets.UTF_8));
            byte[] last = client.clientFinalMessage().toString().getBytes(StandardCharsets.UTF_8);
            out.writeByte('p');
            out.writeInt(4 + last.length);
            out.write(last);
            out.flush();
            expect(in, 'E'); // password authentication failed
            return System.nanoTime() - start;
        }
    }

    private static byte[] expect(DataInputStream in, char type) throws IOException {
        int got = in.readUnsignedByte();
        byte[] body = new byte[in.readInt() - 4];
        in.readFully(body);
        if (got != type) {
            throw new IOException("expected " + type + ", got " + (char) got + " " + Arrays.toString(body));
        }
        return body;
    }
}
