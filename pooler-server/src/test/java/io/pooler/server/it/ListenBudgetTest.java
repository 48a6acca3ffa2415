package io.pooler.server.it;

import io.pooler.server.listen.NotificationBudget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.io.IOException;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.RawPgClient.query;
import static io.pooler.server.it.SessionPoolingTest.execute;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Listeners that stop reading, together, cannot make the pooler hold more than its notification budget
 * (NotificationBudget): past it, those behind by more than their share are disconnected, while a
 * listener that reads gets every notification. And listeners whose sockets are reset during a fan-out
 * end only their own connections.
 *
 * <p>Why: each listener's own bound (1 MiB) times the listeners is no bound; 600 slow psycopg2
 * listeners and a burst of 4,000 notifications ended a pooler with a 256 MB heap (OutOfMemoryError,
 * every client gone). Here the budget is set to 4 MiB and 20 listeners that never read are each sent
 * some 790 KB, under their own bound, with a listener that reads beside them; small socket buffers keep
 * what they do not read in the pooler. Before the budget none of them was disconnected (the pooler held
 * some 15 MB for them); with it, all 20 are.
 */
@PoolerTest
class ListenBudgetTest {
    private static final int SILENT_LISTENERS = 20;
    private static final int NOTIFIES = 100;
    private static final int PAYLOAD = 7_900;
    private static final long BUDGET = 4L * 1024 * 1024;
    private static final int SOCKET_BUFFER = 16 * 1024;
    /** Between two notifications: a steady stream a reader keeps up with, not one burst. */
    private static final long PACE_MILLIS = 2;

    private final PoolerFixture pooler;

    ListenBudgetTest(PoolerFixture pooler) throws Exception {
        System.setProperty(NotificationBudget.LIMIT_PROPERTY, String.valueOf(BUDGET));
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("auth_type", "trust").set("pool_mode", "transaction")
                .set("default_pool_size", "2")
                // Small socket buffers on both ends, so what the listeners do not read waits in the pooler,
                // not in the kernel (which would take megabytes of it with autotuned buffers).
                .set("tcp_socket_buffer", String.valueOf(SOCKET_BUFFER)).start();
    }

    @AfterEach
    void defaultBudget() {
        System.clearProperty(NotificationBudget.LIMIT_PROPERTY);
    }

    @Test
    void listenersThatStopReadingAreCutAtTheBudgetAndAReaderGetsEverything() throws Exception {
        withReaderAndSilentListeners((reader, silent) -> {
            streamWhileReading(reader, PAYLOAD, n -> { });
            int cut = 0;
            for (RawPgClient listener : silent) {
                listener.setReadTimeout(2_000);
                try {
                    if (listener.closedByPeer()) {
                        cut++;
                    }
                } catch (IOException stillOpen) {
                    // a read timed out: the pooler kept this one
                }
            }
            assertTrue(cut >= SILENT_LISTENERS / 2, "listeners that stopped reading disconnected at a budget of "
                    + BUDGET + " bytes: " + cut + " of " + SILENT_LISTENERS);
        });
    }

    /**
     * Listeners whose sockets are reset while notifications flow to them: a write to such a socket can
     * fail, and the channel close, inside the hub's pass over the channel's subscribers (epoll closes
     * synchronously); that close ends the client's subscriptions, which must not disturb the pass. The
     * listener and the reader beside them go on.
     */
    @Test
    void listenersResetDuringTheFanOutHurtNobodyElse() throws Exception {
        withReaderAndSilentListeners((reader, resetting) -> streamWhileReading(reader, PAYLOAD / 8, n -> {
            if (n % 5 == 4 && n / 5 < resetting.size()) {
                resetting.get(n / 5).reset(); // its next notification meets a reset socket
            }
        }));
    }

    /**
     * Runs {@code body} with a PgJDBC reader listening to "fan" and {@value #SILENT_LISTENERS} raw
     * listeners that read nothing; then the reader must still be served. The listeners are closed after.
     */
    private void withReaderAndSilentListeners(ListenersBody body) throws Exception {
        List<RawPgClient> silent = new ArrayList<>();
        try (Connection reader = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            execute(reader, "LISTEN fan");
            listenersThatDoNotRead(silent);
            body.run(reader, silent);
            assertEquals("1", LoginTest.queryString(reader, "select 1"), "the reader is still served");
        } finally {
            for (RawPgClient listener : silent) {
                listener.close();
            }
        }
    }

    @FunctionalInterface
    private interface ListenersBody {
        void run(Connection reader, List<RawPgClient> silentListeners) throws Exception;
    }

    /** Adds {@value #SILENT_LISTENERS} raw clients to {@code listeners} that LISTEN to "fan", then read nothing. */
    private void listenersThatDoNotRead(List<RawPgClient> listeners) throws IOException {
        for (int i = 0; i < SILENT_LISTENERS; i++) {
            RawPgClient listener = new RawPgClient(pooler.port(), SOCKET_BUFFER).loginTrusted(SCRAM_USER, DB);
            listeners.add(listener);
            listener.write(query("LISTEN fan"));
            listener.readUntil('Z');
        }
    }

    /**
     * Sends {@value #NOTIFIES} notifications of {@code payload} bytes to "fan" straight to PostgreSQL, at
     * a reader's pace, running {@code afterEach} after each, while {@code reader} reads; it must get all.
     */
    private void streamWhileReading(Connection reader, int payload, AfterNotify afterEach) throws Exception {
        ExecutorService reading = Executors.newSingleThreadExecutor();
        try (Connection direct = pooler.postgres().connectAsSuperuser(DB); Statement s = direct.createStatement()) {
            Future<Integer> received = reading.submit(() -> receive(reader));
            for (int n = 0; n < NOTIFIES; n++) {
                s.execute("NOTIFY fan, '" + n + ":" + "x".repeat(payload) + "'");
                afterEach.run(n);
                Thread.sleep(PACE_MILLIS); // the stream's pace, not a wait for a result
            }
            assertEquals(NOTIFIES, received.get(60, TimeUnit.SECONDS), "the listener that reads gets every notification");
        } finally {
            reading.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface AfterNotify {
        void run(int notification) throws IOException;
    }

    private static int receive(Connection c) throws Exception {
        PGConnection pg = c.unwrap(PGConnection.class);
        int got = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (got < NOTIFIES && System.nanoTime() < deadline) {
            PGNotification[] batch = pg.getNotifications(200);
            got += batch == null ? 0 : batch.length;
        }
        return got;
    }
}
