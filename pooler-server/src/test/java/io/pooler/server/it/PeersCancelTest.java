package io.pooler.server.it;

import io.pooler.server.peers.CancelKey;
import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.CancelAndReloadTest.sleepingQueries;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three peered poolers behind one TCP load balancer, in front of one PostgreSQL (PgBouncer 1.19+ [peers]):
 * a cancel request that the balancer sends to the wrong instance still cancels the right query, and keys
 * that belong to nobody harm nothing.
 */
@PoolerTest
class PeersCancelTest {
    private static final Duration CANCEL_DEADLINE = Duration.ofSeconds(1);

    private final PostgresInstance pg;
    private final PoolerFixture first;

    PeersCancelTest(PostgresInstance pg, PoolerFixture first) {
        this.pg = pg;
        this.first = first;
    }

    @Test
    void aCancelLandingOnAnyInstanceCancelsTheQueryAndUnknownKeysAreIgnored() throws Exception {
        try (PoolerFixture second = new PoolerFixture(pg); PoolerFixture third = new PoolerFixture(pg)) {
            List<PoolerFixture> poolers = List.of(first, second, third);
            for (int i = 0; i < poolers.size(); i++) {
                PoolerFixture p = poolers.get(i).user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                        .set("peer_id", String.valueOf(i + 1)).set("default_pool_size", "2");
                // Every instance lists every peer, its own included (allowed, so one section fits all).
                for (int j = 0; j < poolers.size(); j++) {
                    p.peer(j + 1, "host=127.0.0.1 port=" + poolers.get(j).port());
                }
            }
            for (PoolerFixture p : poolers) {
                p.start();
            }
            try (TcpRelay balancer = new TcpRelay(InetAddress.getLoopbackAddress(), 0, InetAddress.getLoopbackAddress(),
                    second.port());
                 Connection client = connectThrough(balancer);
                 Statement st = client.createStatement()) {
                int pid = client.unwrap(PGConnection.class).getBackendPID();
                assertEquals(2, CancelKey.peerId(pid), "instance 2 wrote its peer_id into the key: " + pid);

                for (PoolerFixture landing : List.of(third, first)) {
                    long elapsed = sleepThenCancel(st, () -> {
                        balancer.target(landing.port()); // the balancer sends the cancel connection elsewhere
                        st.cancel();
                    });
                    System.out.println("PeersCancelTest: cancel via instance on port " + landing.port() + ": " + elapsed + " ms");
                    assertTrue(elapsed < CANCEL_DEADLINE.toMillis(),
                            "cancelled through instance on port " + landing.port() + " in " + elapsed + " ms");
                    assertEquals("1", queryString(client, "select 1"), "the session goes on after the cancel");
                }

                try (Connection admin = first.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
                    List<Map<String, String>> peers = rows(admin, "SHOW PEERS");
                    assertEquals(List.of("1", "2", "3"), peers.stream().map(r -> r.get("peer_id")).toList());
                    assertEquals("127.0.0.1", peers.get(1).get("host"));
                    assertEquals(String.valueOf(second.port()), peers.get(1).get("port"));
                    assertEquals("2", peers.get(1).get("pool_size"), "default_pool_size when the entry has none");
                    List<Map<String, String>> pools = rows(admin, "SHOW PEER_POOLS");
                    assertEquals(List.of("2"), pools.stream().map(r -> r.get("peer_id")).toList(),
                            "instance 1 forwarded to peer 2 only");
                    Await.until(Duration.ofSeconds(10), quietly(() -> "0".equals(
                            rows(admin, "SHOW PEER_POOLS").get(0).get("sv_active_cancel"))), "the forwarding connection closed");
                }

                unknownKeysHarmNothing(client, st, pid, poolers);
            }
        }
    }

    /**
     * PgBouncer's own peering test: so_reuseport processes on one port, so the kernel spreads connections
     * (cancel requests included) among them, each peer reached through its own Unix socket.
     */
    @Test
    void soReuseportInstancesOnOnePortReachEachOtherOverUnixSockets() throws Exception {
        try (PoolerFixture second = new PoolerFixture(pg); PoolerFixture third = new PoolerFixture(pg)) {
            List<PoolerFixture> poolers = List.of(first, second, third);
            int sharedPort = first.port();
            List<java.nio.file.Path> socketDirs = new java.util.ArrayList<>();
            for (PoolerFixture p : poolers) {
                socketDirs.add(java.nio.file.Files.createTempDirectory(p.dir(), "sock"));
            }
            for (int i = 0; i < poolers.size(); i++) {
                PoolerFixture p = poolers.get(i).user(SCRAM_USER, SCRAM_PASSWORD).set("peer_id", String.valueOf(i + 1))
                        .set("so_reuseport", "1").set("listen_port", String.valueOf(sharedPort))
                        .set("unix_socket_dir", socketDirs.get(i).toString());
                for (int j = 0; j < poolers.size(); j++) {
                    if (j != i) { // PgBouncer's test leaves its own id out; both ways are allowed
                        p.peer(j + 1, "host=" + socketDirs.get(j) + " port=" + sharedPort);
                    }
                }
            }
            for (PoolerFixture p : poolers) {
                p.start();
            }
            for (int round = 0; round < 6; round++) {
                try (TcpRelay direct = new TcpRelay(InetAddress.getLoopbackAddress(), 0, InetAddress.getLoopbackAddress(),
                        sharedPort);
                     Connection client = connectThrough(direct);
                     Statement st = client.createStatement()) {
                    long elapsed = sleepThenCancel(st, st::cancel); // lands on whichever instance the kernel picks
                    assertTrue(elapsed < CANCEL_DEADLINE.toMillis(), "round " + round + ": " + elapsed + " ms");
                }
            }
        }
    }

    /**
     * While a query runs on instance 2: a wrong secret forwarded to it, a key naming a peer nobody has, a
     * key whose TTL is spent and a key of nobody on the owner itself. The query keeps running, then a real
     * cancel still works.
     */
    private void unknownKeysHarmNothing(Connection client, Statement st, int pid, List<PoolerFixture> poolers)
            throws Exception {
        CompletableFuture<SQLException> sleeping = startSleep(st);
        int otherSecretSameTtl = 0x5A5A5A5B | CancelKey.TTL_MASK;
        sendCancel(poolers.get(2).port(), pid, otherSecretSameTtl);                       // forwarded to 2, no match
        sendCancel(poolers.get(0).port(), CancelKey.processId(0x1234_5678, 9), otherSecretSameTtl); // no peer 9
        sendCancel(poolers.get(0).port(), pid, otherSecretSameTtl & ~CancelKey.TTL_MASK); // TTL spent: dropped
        sendCancel(poolers.get(1).port(), pid ^ 0x0100_0000, otherSecretSameTtl);         // nobody's on 2 itself
        Thread.sleep(1500); // what a wrong cancel would have done, it would have done by now
        assertEquals(1, sleepingQueries(pg), "the query still runs");
        assertTrue(!sleeping.isDone(), "the client still waits for its query");
        for (PoolerFixture p : poolers) {
            try (Connection c = p.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
                assertEquals("1", queryString(c, "select 1"), "instance on port " + p.port() + " still serves");
            }
        }
        st.cancel();
        SQLException e = sleeping.get(10, TimeUnit.SECONDS);
        assertNotNull(e, "the real cancel still works");
        assertEquals("57014", e.getSQLState());
        assertEquals("1", queryString(client, "select 1"));
    }

    private long sleepThenCancel(Statement st, CheckedRunnable cancel) throws Exception {
        CompletableFuture<SQLException> sleeping = startSleep(st);
        long start = System.nanoTime();
        cancel.run();
        SQLException e = sleeping.get(10, TimeUnit.SECONDS);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertNotNull(e, "the query was cancelled");
        assertEquals("57014", e.getSQLState(), e.getMessage());
        return elapsed;
    }

    private CompletableFuture<SQLException> startSleep(Statement st) {
        CompletableFuture<SQLException> sleeping = CompletableFuture.supplyAsync(() -> {
            try {
                st.execute("select pg_sleep(30)");
                return null;
            } catch (SQLException e) {
                return e;
            }
        });
        Await.until(Duration.ofSeconds(10), quietly(() -> sleepingQueries(pg) == 1), "pg_sleep is running");
        return sleeping;
    }

    private Connection connectThrough(TcpRelay balancer) throws SQLException {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", SCRAM_USER);
        p.setProperty("password", SCRAM_PASSWORD);
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "40");
        return java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + balancer.port() + "/" + DB, p);
    }

    /** A CancelRequest as any client sends it; returns once the pooler has closed the connection. */
    static void sendCancel(int port, int processId, int secretKey) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(16);
            out.writeInt(80877102);
            out.writeInt(processId);
            out.writeInt(secretKey);
            out.flush();
            assertEquals(-1, s.getInputStream().read(), "a cancel request gets no answer, only a close");
        }
    }

    @FunctionalInterface
    private interface CheckedRunnable {
        void run() throws Exception;
    }
}
