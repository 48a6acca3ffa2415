package io.pooler.server.fuzz;

import io.pooler.server.it.Wire;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.fuzz.FuzzDatabase.APP_PASSWORD;
import static io.pooler.server.fuzz.FuzzDatabase.APP_USER;
import static io.pooler.server.fuzz.FuzzDatabase.DB;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Records the sessions the protocol fuzzer mutates: real psql and PgJDBC talking to the real PostgreSQL
 * through a relay that writes down every message, into {@code src/test/resources/fuzz/sessions}. Not part
 * of the build (its name matches no surefire pattern); run it again when a client's protocol use changes:
 * {@code mvn -pl pooler-server -am test -Dtest=RecordSessions -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(PostgresExtension.class)
class RecordSessions {
    private static final Path OUT = Path.of(System.getProperty("fuzz.record.dir", "src/test/resources/fuzz/sessions"));

    @Test
    void record(PostgresInstance pg) throws Exception {
        FuzzDatabase.ensure(pg);
        Files.createDirectories(OUT);
        record(pg, "psql-simple", port -> psql(port, List.of(
                "-c", "select 1 as one, 'a'::text as letter",
                "-c", "select current_user, now() > '2000-01-01'",
                "-c", "\\d pwned")));
        record(pg, "psql-transaction", port -> psql(port, List.of("-c",
                "begin; create temp table t (x int, y text); insert into t values (1, 'one'), (2, 'two');"
                        + " select * from t order by x; commit;")));
        record(pg, "psql-copy", port -> psql(port, List.of("-f", "-"),
                "create temp table c (x int, y text);\n\\copy c from stdin\n1\tone\n2\ttwo\n\\.\n"
                        + "select count(*) from c;\ncopy (select x, y from c) to stdout;\n"));
        record(pg, "pgjdbc-extended", port -> pgjdbc(port, new Properties()));
        Properties simple = new Properties();
        simple.setProperty("preferQueryMode", "simple");
        record(pg, "pgjdbc-simple", port -> pgjdbc(port, simple));
    }

    private interface Client {
        void run(int relayPort) throws Exception;
    }

    private static void psql(int port, List<String> args) throws Exception {
        psql(port, args, null);
    }

    private static void psql(int port, List<String> args, String stdin) throws Exception {
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-v", "ON_ERROR_STOP=1",
                "host=127.0.0.1 port=" + port + " dbname=" + DB + " user=" + APP_USER
                        + " sslmode=disable gssencmode=disable application_name=psql"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", APP_PASSWORD);
        Process p = pb.start();
        if (stdin != null) {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), output);
    }

    /** What PgJDBC applications do: prepared statements past the threshold, batches, cursors, savepoints. */
    private static void pgjdbc(int port, Properties extra) throws Exception {
        Properties p = new Properties();
        p.putAll(extra);
        p.setProperty("user", APP_USER);
        p.setProperty("password", APP_PASSWORD);
        p.setProperty("sslmode", "disable");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + DB, p)) {
            try (PreparedStatement ps = c.prepareStatement("select ?::int + 1, ?::text")) {
                for (int i = 0; i < 7; i++) { // the sixth makes PgJDBC prepare a named statement
                    ps.setInt(1, i);
                    ps.setString(2, "row" + i);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("create temp table b (x int, y text)");
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("insert into b values (?, ?)")) {
                for (int i = 0; i < 3; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, "b" + i);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            Savepoint sp = c.setSavepoint();
            try (Statement s = c.createStatement()) {
                s.execute("insert into b values (99, 'undone')");
            }
            c.rollback(sp);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(2); // a portal read two rows at a time
                try (ResultSet rs = s.executeQuery("select x, y from b order by x")) {
                    while (rs.next()) {
                        rs.getString(2);
                    }
                }
            }
            c.commit();
            c.setAutoCommit(true);
            try (ResultSet rs = c.getMetaData().getTables(null, "public", "pwned", null)) {
                while (rs.next()) {
                    rs.getString("TABLE_NAME");
                }
            }
        }
    }

    private static void record(PostgresInstance pg, String name, Client client) throws Exception {
        try (ServerSocket relay = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Recording recording = new Recording();
            Thread relayThread = new Thread(() -> recording.relayOne(relay, pg), "relay-" + name);
            relayThread.start();
            client.run(relay.getLocalPort());
            relayThread.join(TimeUnit.SECONDS.toMillis(30));
            Files.writeString(OUT.resolve(name + ".txt"), recording.describe(name), StandardCharsets.US_ASCII);
        }
    }

    /** Both directions of one connection, as the relay passed them on. */
    private static final class Recording {
        private final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
        private final ByteArrayOutputStream fromServer = new ByteArrayOutputStream();

        void relayOne(ServerSocket relay, PostgresInstance pg) {
            try (Socket client = relay.accept(); Socket server = new Socket(pg.host(), pg.port())) {
                Thread up = pump(client.getInputStream(), server.getOutputStream(), fromClient, server);
                Thread down = pump(server.getInputStream(), client.getOutputStream(), fromServer, client);
                up.join();
                down.join();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        private static Thread pump(InputStream in, OutputStream out, ByteArrayOutputStream copy, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try {
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                        synchronized (copy) {
                            copy.write(buffer, 0, n);
                        }
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                    to.shutdownOutput();
                } catch (IOException e) {
                    // the other side is gone; the recording so far is what there is
                }
            });
            t.start();
            return t;
        }

        /**
         * One line per message: {@code S} for the startup packet, {@code F} for a frontend message after
         * the login, {@code B} for a backend message after AuthenticationOk. Password messages are left out:
         * they hold a nonce-bound proof that is worthless to replay and is not worth publishing either.
         */
        String describe(String name) {
            StringBuilder out = new StringBuilder("# " + name + ": recorded by RecordSessions on " + LocalDate.now()
                    + " against PostgreSQL; one message per line, hex.\n"
                    + "# S = startup packet, F = frontend message after login, B = backend message after AuthenticationOk\n");
            ByteBuffer c = ByteBuffer.wrap(fromClient.toByteArray());
            int startupLength = c.getInt(0);
            byte[] startup = new byte[startupLength];
            c.get(startup);
            out.append("S ").append(Wire.hex(startup)).append('\n');
            for (byte[] m : typedMessages(c)) {
                if (m[0] != 'p') {
                    out.append("F ").append(Wire.hex(m)).append('\n');
                }
            }
            boolean loggedIn = false;
            for (byte[] m : typedMessages(ByteBuffer.wrap(fromServer.toByteArray()))) {
                if (loggedIn) {
                    out.append("B ").append(Wire.hex(m)).append('\n');
                } else if (m[0] == 'R' && ByteBuffer.wrap(m).getInt(5) == 0) {
                    loggedIn = true;
                }
            }
            return out.toString();
        }

        private static List<byte[]> typedMessages(ByteBuffer b) {
            List<byte[]> messages = new ArrayList<>();
            while (b.remaining() >= 5) {
                int length = b.getInt(b.position() + 1);
                byte[] m = new byte[length + 1];
                b.get(m);
                messages.add(m);
            }
            return messages;
        }
    }
}
