package io.pooler.server.it;

import io.pooler.server.client.WaitingBudget;
import io.pooler.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.testing.Await.quietly;
import static io.pooler.server.it.RawPgClient.concat;
import static io.pooler.server.it.RawPgClient.query;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients waiting for a server, together, cannot make the pooler hold more than the budget of waiting
 * clients ({@link WaitingBudget}): past it, the pooler stops reading them until their server comes, and
 * none of them is refused or disconnected for it.
 *
 * <p>Why: each waiting client's own bound (64 KiB before reading it stops) times the clients is no
 * bound; 10,000 clients that all wait with full queues could hold some 800 MB, more than the
 * launcher's heap. Here the budget is 1 MiB and 40 clients wait behind one server held in a
 * transaction, each having sent 12 queries of 8 KiB. Before the budget the pooler read at least 64 KiB
 * of each (on io_uring, with multishot reads, all 3.9 MB); with it, it reads up to a little past the
 * budget (each client's first read, as the budget is checked after it) and leaves the rest in the
 * clients' sockets. What the pooler read is SHOW STATS' total_received. A budget not given back would
 * show as a round read well short of the budget: past it, each client is read once, some 40 x 8 KiB.
 */
@PoolerTest
class WaitingBudgetTest {
    private static final int CLIENTS = 40;
    private static final int QUERIES = 12;
    private static final int QUERY_BYTES = 8 * 1024;
    private static final long BUDGET = 1024 * 1024;
    /** The budget, plus a first read of a few KiB per client; a client's own bound alone lets in 64 KiB each. */
    private static final long READ_BOUND = BUDGET + CLIENTS * 16 * 1024;
    /** A client's own bound, 64 KiB, plus a read (16 KiB) and the message it ends in the middle of. */
    private static final long OWN_BOUND = (64 + 16 + QUERY_BYTES / 1024) * 1024;

    private final PoolerFixture pooler;

    WaitingBudgetTest(PoolerFixture pooler) throws Exception {
        System.setProperty(WaitingBudget.LIMIT_PROPERTY, String.valueOf(BUDGET));
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("auth_type", "trust")
                .set("admin_users", SCRAM_USER).set("pool_mode", "transaction").set("default_pool_size", "1")
                // Not scanned for session state: a scan reads each byte of a query through the leak detector,
                // which at the tests' paranoid level records every read and took 30 ms for each 8 KiB query.
                .set("pin_on_session_state", "0").start();
    }

    @AfterEach
    void defaultBudget() {
        System.clearProperty(WaitingBudget.LIMIT_PROPERTY);
    }

    /**
     * Three rounds on one pooler: served, then gone while they wait, then served again. The last round
     * is read up to the budget again only if the first two gave back all they counted (a client served,
     * a client that left).
     */
    @Test
    void clientsWaitingForAServerAreReadNoFurtherThanTheBudgetAndAllAreServed() throws Exception {
        for (boolean leave : new boolean[] {false, true, false}) {
            long read = readWhileWaiting(CLIENTS, QUERIES, leave);
            assertTrue(read >= BUDGET, "the pooler reads waiting clients up to the budget: " + read);
            assertTrue(read < READ_BOUND, "the pooler read " + read + " bytes of " + CLIENTS
                    + " waiting clients at a budget of " + BUDGET);
        }
    }

    /**
     * One client that sends 512 KiB while it waits is read up to its own bound (64 KiB) and a read more.
     * On io_uring this needs Netty's single-shot reads (Transport): a multishot read goes on filling the
     * loop's provided buffers after reading is turned off, until the cancel the channel then submits
     * lands, and took 490 KB of 4 MiB sent.
     */
    @Test
    void aClientWaitingForAServerIsReadNoFurtherThanItsOwnBound() throws Exception {
        long read = readWhileWaiting(1, 64, false);
        assertTrue(read < OWN_BOUND, "the pooler read " + read + " bytes of one waiting client");
    }

    /**
     * {@code count} clients wait behind the pool's one server, held in a transaction, each having sent
     * {@code queries} queries of {@value #QUERY_BYTES} bytes; then they close their connections, if
     * {@code leave}, or the server is freed and each must get every answer. Returns what the pooler read
     * of them while they waited.
     */
    private long readWhileWaiting(int count, int queries, boolean leave) throws Exception {
        List<RawPgClient> clients = new ArrayList<>();
        ExecutorService writers = Executors.newFixedThreadPool(count);
        try (Connection holder = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            holder.setAutoCommit(false);
            assertEquals("1", queryString(holder, "select 1"), "the holder keeps the pool's one server");
            long before = received(admin);
            List<Future<?>> written = new ArrayList<>();
            byte[] sent = queries(queries);
            for (int i = 0; i < count; i++) {
                RawPgClient client = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB);
                client.setReadTimeout(30_000);
                clients.add(client);
                written.add(writers.submit(() -> {
                    client.write(sent); // blocks while the pooler does not read it and its socket is full
                    return null;
                }));
            }
            long readWhileWaiting = steadyReceived(admin) - before;
            if (leave) {
                for (RawPgClient client : clients) {
                    client.reset();
                }
                Await.until(Duration.ofSeconds(10), quietly(() -> AdminRows.intValue(
                        AdminRows.pool(admin, DB, SCRAM_USER), "cl_waiting") == 0), "the waiting clients are gone");
                holder.commit();
                return readWhileWaiting;
            }
            holder.commit();
            for (RawPgClient client : clients) {
                for (int q = 0; q < queries; q++) {
                    client.readUntil('Z');
                }
            }
            for (Future<?> w : written) {
                w.get(30, TimeUnit.SECONDS);
            }
            assertEquals("1", queryString(holder, "select 1"), "the holder is still served");
            return readWhileWaiting;
        } finally {
            writers.shutdownNow();
            for (RawPgClient client : clients) {
                client.close();
            }
        }
    }

    /** {@code count} Query messages of {@value #QUERY_BYTES} bytes, each answered with one small row. */
    private static byte[] queries(int count) {
        byte[][] each = new byte[count][];
        for (int q = 0; q < count; q++) {
            String sql = "select " + q + " -- ";
            each[q] = query(sql + "x".repeat(QUERY_BYTES - sql.length() - 6));
        }
        return concat(each);
    }

    /** SHOW STATS' total_received of the test database, once it has not changed for a second. */
    private static long steadyReceived(Connection admin) throws Exception {
        long last = -1;
        int unchanged = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (unchanged < 4 && System.nanoTime() < deadline) {
            Thread.sleep(250); // sampling a counter until it stops moving
            long now = received(admin);
            unchanged = now == last ? unchanged + 1 : 0;
            last = now;
        }
        return last;
    }

    private static long received(Connection admin) throws SQLException {
        return AdminRows.rows(admin, "SHOW STATS").stream().filter(r -> DB.equals(r.get("database")))
                .mapToLong(r -> Long.parseLong(r.get("total_received"))).sum();
    }
}
