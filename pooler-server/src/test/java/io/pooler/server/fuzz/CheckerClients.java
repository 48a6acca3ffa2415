package io.pooler.server.fuzz;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Well-behaved PgJDBC clients beside hostile ones: each runs {@code select '<its own tag>'} in a loop,
 * a new random tag every time, and records any answer that is not its own (a crossed result) and any
 * error (a well-behaved client must not suffer from someone else's input).
 */
final class CheckerClients implements AutoCloseable {
    /** Opens one checker's connection. */
    interface Connector {
        Connection open() throws SQLException;
    }

    private static final int MAX_KEPT = 50;

    private final String name;
    private final Connector connector;
    private final int count;
    private final long pauseMillis;
    private boolean prepared;
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong queries = new AtomicLong();
    private final java.util.concurrent.CountDownLatch everyoneAnswered;
    private final ConcurrentLinkedQueue<String> crossed = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();

    /** {@code pauseMillis} between queries leaves the CPU to the code under test. */
    CheckerClients(String name, Connector connector, int count, long pauseMillis) {
        this.name = name;
        this.connector = connector;
        this.count = count;
        this.pauseMillis = pauseMillis;
        this.everyoneAnswered = new java.util.concurrent.CountDownLatch(count);
    }

    /** Waits until every checker has had an answer, so its connection is counted among the clients. */
    CheckerClients awaitFirstAnswers(java.time.Duration timeout) throws InterruptedException {
        if (!everyoneAnswered.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " checkers got no answer in " + timeout + ": " + errors());
        }
        return this;
    }

    /** Asks with one server-side prepared statement per connection ({@code select ?::text}) instead. */
    CheckerClients prepared() {
        this.prepared = true;
        return this;
    }

    CheckerClients start() {
        running.set(true);
        for (int i = 0; i < count; i++) {
            int index = i;
            Thread t = new Thread(() -> run(index), name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        return this;
    }

    private void run(int index) {
        SplittableRandom random = new SplittableRandom();
        Connection c = null;
        boolean answered = false;
        while (running.get()) {
            try {
                if (c == null) {
                    c = connector.open();
                }
                String tag = name + index + "-" + Long.toUnsignedString(random.nextLong(), 36);
                List<String> rows = prepared ? askPrepared(c, tag) : ask(c, tag);
                if (!rows.equals(List.of(tag))) {
                    keep(crossed, "asked for " + tag + ", got " + rows);
                }
                queries.incrementAndGet();
                if (!answered) {
                    answered = true;
                    everyoneAnswered.countDown();
                }
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis); // the checkers' think time between queries, if asked for
                }
            } catch (SQLException e) {
                if (running.get()) {
                    // The time, to find the pooler's log lines of that moment (the hostile cases then running).
                    keep(errors, name + index + " at " + java.time.LocalTime.now() + ": " + e.getSQLState() + " "
                            + e.getMessage());
                }
                closeQuietly(c);
                c = null;
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                keep(errors, name + index + ": " + e);
                closeQuietly(c);
                c = null;
            }
        }
        closeQuietly(c);
    }

    private static List<String> ask(Connection c, String tag) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select '" + tag + "'")) {
            return rows(rs);
        }
    }

    private static List<String> askPrepared(Connection c, String tag) throws SQLException {
        // PgJDBC caches the statement per connection: with prepareThreshold 1 it is a named server-side statement.
        try (java.sql.PreparedStatement s = c.prepareStatement("select ?::text")) {
            s.setString(1, tag);
            try (ResultSet rs = s.executeQuery()) {
                return rows(rs);
            }
        }
    }

    private static List<String> rows(ResultSet rs) throws SQLException {
        List<String> rows = new ArrayList<>();
        while (rs.next()) {
            rows.add(rs.getString(1));
        }
        return rows;
    }

    /** Stops the loops and closes the connections. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(40));
            if (t.isAlive()) {
                keep(errors, t.getName() + " still waiting for an answer 40 s after the end");
            }
        }
    }

    long queries() {
        return queries.get();
    }

    List<String> crossedResults() {
        return List.copyOf(crossed);
    }

    List<String> errors() {
        return List.copyOf(errors);
    }

    private static void keep(ConcurrentLinkedQueue<String> list, String entry) {
        if (list.size() < MAX_KEPT) {
            list.add(entry);
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection is broken already; its error was recorded
            }
        }
    }
}
