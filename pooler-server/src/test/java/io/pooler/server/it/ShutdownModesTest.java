package io.pooler.server.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.pooler.server.PoolerServer;
import io.pooler.server.backend.ServerConnection;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.server.it.UnixSocketConsoleTest.query;
import static io.pooler.server.it.UnixSocketConsoleTest.readUntilReady;
import static io.pooler.server.it.UnixSocketConsoleTest.startup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PgBouncer 1.23+'s shutdown modes (usage.md, SHUTDOWN WAIT_FOR_SERVERS / WAIT_FOR_CLIENTS; admin.c,
 * janitor.c, objects.c): a client waiting for a server, paused or queued, is told "server shutting
 * down"; a running transaction finishes; the unix socket stays open for the console only, and a login
 * to a database over it gets "pooler is shutting down"; RESUME is refused while shutting down; a second
 * SHUTDOWN from the console changes the mode but does not exit at once.
 */
@PoolerTest
class ShutdownModesTest {
    private final PoolerFixture pooler;
    private final Path socketDir;

    ShutdownModesTest(PoolerFixture pooler) throws Exception {
        socketDir = Files.createDirectories(pooler.dir().resolve("sock"));
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("default_pool_size", "1")
                .set("unix_socket_dir", socketDir.toString());
    }

    private Connection admin() throws SQLException {
        return pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD);
    }

    private Connection client() throws SQLException {
        return pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
    }

    @Test
    void anAlreadyPausedClientIsToldTheServerIsShuttingDown() throws Exception {
        pooler.start();
        try (Connection admin = admin(); Connection c = client()) {
            queryString(c, "select 1");
            rows(admin, "PAUSE");
            CompletableFuture<String> held = async(c, "select 2");
            assertThrows(TimeoutException.class, () -> held.get(500, TimeUnit.MILLISECONDS), "held by PAUSE");
            rows(admin, "SHUTDOWN WAIT_FOR_SERVERS");
            assertTrue(failure(held).contains("server shutting down"), failure(held));
        }
        pooler.server().terminated().get(20, TimeUnit.SECONDS);
    }

    /**
     * An idle client is told at once, with PgBouncer's text and PostgreSQL's admin_shutdown SQLSTATE (57P01),
     * where PgBouncer keeps it until it exits and sends 08P01 (README, Differences from PgBouncer).
     */
    @Test
    void anIdleClientIsToldAtOnceWithAdminShutdown() throws Exception {
        pooler.set("auth_type", "trust").start();
        try (Connection admin = admin(); RawPgClient idle = new RawPgClient(pooler.port()).loginTrusted(SCRAM_USER, DB)) {
            idle.setReadTimeout(20_000);
            rows(admin, "SHUTDOWN WAIT_FOR_SERVERS");
            RawPgClient.Message error = idle.readError();
            assertTrue(error != null, "an error before the close");
            assertEquals("57P01", error.error().sqlState());
            assertEquals("pooler is shutting down", error.error().message());
        }
        pooler.server().terminated().get(20, TimeUnit.SECONDS);
    }

    @Test
    void aTransactionFinishesWhileAQueuedClientIsTurnedAwayAndTheUnixSocketServesTheConsoleOnly() throws Exception {
        pooler.start();
        Path socket = socketDir.resolve(".s.PGSQL." + pooler.port());
        try (Connection admin = admin(); Connection inTransaction = client(); Connection queued = client()) {
            inTransaction.setAutoCommit(false);
            queryString(inTransaction, "select 1"); // holds the pool's only server
            CompletableFuture<String> waiting = async(queued, "select 2");
            assertThrows(TimeoutException.class, () -> waiting.get(500, TimeUnit.MILLISECONDS), "queued");

            rows(admin, "SHUTDOWN WAIT_FOR_SERVERS");
            assertTrue(failure(waiting).contains("server shutting down"), failure(waiting));
            assertThrows(SQLException.class, this::client, "TCP no longer accepts");

            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                ch.write(startup(SCRAM_USER, DB));
                AssertionError refused = assertThrows(AssertionError.class, () -> readUntilReady(ch));
                assertTrue(refused.getMessage().contains("pooler is shutting down"), refused.getMessage());
            }
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                ch.write(startup("pgbouncer", "pgbouncer"));
                readUntilReady(ch);
                ch.write(query("SHOW STATE"));
                assertTrue(readUntilReady(ch).stream().anyMatch(m -> m.type() == 'D'), "the console still answers");
                ch.write(query("RESUME"));
                AssertionError resume = assertThrows(AssertionError.class, () -> readUntilReady(ch));
                assertTrue(resume.getMessage().contains("pooler is shutting down"), resume.getMessage());
            }

            assertEquals("3", queryString(inTransaction, "select 3"), "the running transaction goes on");
            assertFalse(pooler.server().terminated().isDone(), "a server is still in use");
            inTransaction.commit();
        }
        pooler.server().terminated().get(20, TimeUnit.SECONDS);
        assertFalse(Files.exists(socket), "the unix socket is removed at exit");
    }

    @Test
    void aSecondShutdownFromTheConsoleChangesTheModeWithoutExitingAtOnce() throws Exception {
        pooler.start();
        Connection c = client();
        c.setAutoCommit(false);
        queryString(c, "select 1");
        try (Connection admin = admin()) {
            rows(admin, "SHUTDOWN WAIT_FOR_CLIENTS");
            rows(admin, "SHUTDOWN WAIT_FOR_SERVERS");
        }
        Thread.sleep(300); // a chance for the shutdown to end too early, which it must not take
        assertFalse(pooler.server().terminated().isDone(), "a transaction is still running");
        c.commit();
        pooler.server().terminated().get(20, TimeUnit.SECONDS);
        c.close();
    }

    /**
     * "shutdown requested" is the line operators and scripts wait for (SafeShutdownIT does): once it is
     * logged, a client asking for a server must be refused. The probe asks on the logging thread itself,
     * as the line is written; the pools used to start refusing only after the listeners had closed, and
     * SafeShutdownIT once saw an idle client served just after the line.
     */
    @Test
    void onceTheShutdownIsLoggedAClientAskingForAServerIsRefused() throws Exception {
        pooler.start();
        try (Connection c = client()) {
            queryString(c, "select 1");
            CompletableFuture<String> askedAtTheLine = new CompletableFuture<>();
            AppenderBase<ILoggingEvent> probe = watchLog(PoolerServer.class, line -> {
                if (line.startsWith("shutdown requested")) {
                    try {
                        askedAtTheLine.complete("completed with " + queryString(c, "select 2"));
                    } catch (Exception e) {
                        askedAtTheLine.complete(String.valueOf(e.getMessage()));
                    }
                }
            });
            try {
                pooler.server().shutdownWaitForServers();
            } finally {
                stopWatching(PoolerServer.class, probe);
            }
            String answer = askedAtTheLine.get(20, TimeUnit.SECONDS);
            assertTrue(answer.contains("server shutting down"), answer);
        }
        pooler.server().terminated().get(20, TimeUnit.SECONDS);
    }

    /**
     * Netty's loop, once told to stop, closes every channel before it runs the tasks queued before:
     * Pooler's own close of each server (a Terminate to PostgreSQL, the reason in the log) must run
     * before the loops are told to stop, or PostgreSQL sees the socket vanish.
     */
    @Test
    void atShutdownPoolerClosesItsServersItselfBeforeTheLoopsStop() throws Exception {
        pooler.start();
        try (Connection c = client()) {
            queryString(c, "select 1");
        }
        List<String> closes = new CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> probe = watchLog(ServerConnection.class, line -> {
            if (line.contains("closing because")) {
                closes.add(line);
            }
        });
        try {
            pooler.server().shutdownImmediate();
            pooler.server().terminated().get(20, TimeUnit.SECONDS);
        } finally {
            stopWatching(ServerConnection.class, probe);
        }
        assertFalse(closes.isEmpty(), "no server was closed");
        assertTrue(closes.stream().allMatch(line -> line.contains("closing because: shutdown")), String.valueOf(closes));
    }

    /** Hands each line {@code type}'s logger writes to {@code lines}, until {@link #stopWatching}. */
    private static AppenderBase<ILoggingEvent> watchLog(Class<?> type, Consumer<String> lines) {
        AppenderBase<ILoggingEvent> probe = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                lines.accept(event.getFormattedMessage());
            }
        };
        probe.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        probe.start();
        ((Logger) LoggerFactory.getLogger(type)).addAppender(probe);
        return probe;
    }

    private static void stopWatching(Class<?> type, AppenderBase<ILoggingEvent> probe) {
        ((Logger) LoggerFactory.getLogger(type)).detachAppender(probe);
    }

    private static String failure(CompletableFuture<String> future) throws InterruptedException {
        try {
            return "completed with " + future.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause().getMessage());
        } catch (TimeoutException e) {
            return "still waiting";
        }
    }

    private static CompletableFuture<String> async(Connection c, String sql) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                List<java.util.Map<String, String>> rows = rows(c, sql);
                return rows.isEmpty() ? "" : rows.get(0).values().iterator().next();
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }, runnable -> new Thread(runnable, "shutdown-test").start());
    }
}
