package io.pooler.server.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10: the console's RELOAD reads files (and builds TLS contexts) on the event loop of the
 * console connection, so for as long as a file takes to read, every client of that loop waits.
 *
 * <p>A slow file is made certain with a named pipe: the reload's read of pooler.ini blocks until the
 * test writes the file's text into it. Meanwhile clients connecting to every event loop must be
 * served at once.
 */
@PoolerTest
@Tag("issue10")
class ReloadOffEventLoopTest {
    private static final int EVENT_LOOPS = 2;
    /** Connections in a row are spread over the loops, so this many reach each of two loops. */
    private static final int CLIENTS = 6;
    /** A select 1 through an idle pooler takes milliseconds; this is for a loaded machine. */
    private static final int ANSWER_SECONDS = 10;

    private final PoolerFixture pooler;

    ReloadOffEventLoopTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.set("auth_type", "trust").user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("worker_threads", String.valueOf(EVENT_LOOPS)).start();
    }

    @Test
    void clientsOfEveryLoopAreServedWhileAReloadReadsASlowFile() throws Exception {
        Path ini = pooler.dir().resolve("pooler.ini");
        String text = Files.readString(ini);
        Files.delete(ini);
        Process mkfifo = new ProcessBuilder("mkfifo", ini.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo " + ini);

        CompletableFuture<Void> reload;
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            reload = CompletableFuture.runAsync(() -> {
                try (Statement s = admin.createStatement()) {
                    s.execute("RELOAD");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                List<String> stuck = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    String answer = selectOne(i);
                    if (answer != null) {
                        stuck.add(answer);
                    }
                }
                assertTrue(stuck.isEmpty(), "while RELOAD waited for pooler.ini: " + stuck);
            } finally {
                // The reload's read ends only when something writes the pipe; it must end, whatever happened.
                Files.writeString(ini, text);
            }
            reload.get(30, TimeUnit.SECONDS);
        }
    }

    /** Null when client {@code i} got its answer in time, else what happened to it. */
    private String selectOne(int i) throws InterruptedException {
        Properties p = new Properties();
        p.setProperty("ApplicationName", "client-" + i);
        // No SSLRequest: PgJDBC would give up on an unanswered one after 5 s and retry, on another loop.
        p.setProperty("sslmode", "disable");
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
            try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, p)) {
                return queryString(c, "select 1");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            String got = answer.get(ANSWER_SECONDS, TimeUnit.SECONDS);
            return "1".equals(got) ? null : "client " + i + " got " + got;
        } catch (TimeoutException e) {
            return "client " + i + " had no answer in " + ANSWER_SECONDS + " s";
        } catch (ExecutionException e) {
            return "client " + i + " failed: " + e.getCause();
        }
    }
}
