package io.pooler.server.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code listen_backlog} is the backlog of listen(2) on every listening socket, TCP and unix, as in
 * PgBouncer's {@code add_listen}. Read back from the kernel with iproute2's {@code ss}: for a listening
 * socket its Send-Q column is the backlog (Linux caps it at net.core.somaxconn, so the values here stay
 * at or below the smallest cap a kernel ships with, 128).
 */
@PoolerTest
class ListenBacklogTest {
    private final PoolerFixture pooler;

    ListenBacklogTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD);
    }

    @Test
    void theTcpListenerHasPgbouncersDefaultBacklogOf128() throws Exception {
        pooler.start();
        assertEquals(128, backlog(ss("-Hltn", "sport = :" + pooler.port())));
    }

    @Test
    void theTcpListenerHasTheConfiguredBacklog() throws Exception {
        pooler.set("listen_backlog", "37").start();
        assertEquals(37, backlog(ss("-Hltn", "sport = :" + pooler.port())));
    }

    @Test
    void theUnixSocketHasTheConfiguredBacklogToo() throws Exception {
        Path dir = Files.createDirectories(pooler.dir().resolve("sock"));
        pooler.set("unix_socket_dir", dir.toString()).set("listen_backlog", "41").start();
        Path socket = dir.resolve(".s.PGSQL." + pooler.port());
        assertTrue(Files.exists(socket), "listening on " + socket);
        assertEquals(41, backlog(ss("-Hlx", "src = " + socket)));
        assertEquals(41, backlog(ss("-Hltn", "sport = :" + pooler.port())));
    }

    /**
     * The backlog of the one listening socket {@code ss} shows: its Send-Q, the fourth column of
     * {@code ss -x} (Netid State Recv-Q Send-Q ...) and the third of {@code ss -t} (State Recv-Q Send-Q ...).
     */
    private static int backlog(List<String> lines) {
        assertEquals(1, lines.size(), "one listening socket: " + lines);
        String[] columns = lines.get(0).trim().split("\\s+");
        int sendQ = columns[0].equals("LISTEN") ? 2 : 3;
        assertEquals("LISTEN", columns[sendQ - 2], lines.get(0));
        return Integer.parseInt(columns[sendQ]);
    }

    /** The lines {@code ss} prints for these options and filter. */
    private static List<String> ss(String options, String filter) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", options, filter).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "ss finished");
        assertEquals(0, p.exitValue(), "ss " + options + " " + filter + ": " + out);
        return out.lines().filter(line -> !line.isBlank()).toList();
    }
}
