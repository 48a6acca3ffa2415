package io.pooler.server.fuzz;

import io.pooler.server.it.Wire;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.io.IOException;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Well-behaved clients beside hostile ones: each runs {@code select '<its own tag>'} in a loop, a new
 * random tag every time, and records any answer that is not its own (a crossed result) and any error
 * (a well-behaved client must not suffer from someone else's input). PgJDBC clients ({@link #CheckerClients(
 * String, Connector, int, long)}), or raw-protocol ones ({@link #wire}) that keep the exact messages of
 * an answer that is not what PostgreSQL sends, where PgJDBC would only say what it made of them.
 */
final class CheckerClients implements AutoCloseable {
    /** Opens one checker's PgJDBC connection. */
    interface Connector {
        Connection open() throws SQLException;
    }

    /** One checker's connection: asks for its tag and returns the rows that came back. */
    private interface Asker extends AutoCloseable {
        List<String> ask(String tag) throws Exception;

        @Override
        void close();
    }

    /** Opens one checker's connection, of either kind. */
    private interface AskerFactory {
        Asker open(boolean prepared) throws Exception;
    }

    private static final int MAX_KEPT = 50;

    private final String name;
    private final AskerFactory connector;
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
        this(name, prepared -> new JdbcAsker(connector.open(), prepared), count, pauseMillis);
    }

    /**
     * Raw-protocol checkers on {@code port}: each logs in as {@code user} to {@code database} and asks with
     * Parse, Bind, Describe, Execute and Sync of the unnamed statement, as PgJDBC does with
     * prepareThreshold 0. An answer of other messages than ParseComplete, BindComplete, RowDescription,
     * one DataRow, CommandComplete and ReadyForQuery is an error that lists them.
     */
    static CheckerClients wire(String name, int port, String database, String user, String password, int count,
                               long pauseMillis) {
        return new CheckerClients(name, prepared -> new WireAsker(port, database, user, password), count, pauseMillis);
    }

    private CheckerClients(String name, AskerFactory connector, int count, long pauseMillis) {
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
        Asker c = null;
        boolean answered = false;
        while (running.get()) {
            try {
                if (c == null) {
                    c = connector.open(prepared);
                }
                String tag = name + index + "-" + Long.toUnsignedString(random.nextLong(), 36);
                List<String> rows = c.ask(tag);
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
            } catch (InterruptedException e) {
                break;
            } catch (Exception e) {
                if (running.get()) {
                    // The time, to find the pooler's log lines of that moment (the hostile cases then running).
                    keep(errors, name + index + " at " + java.time.LocalTime.now() + ": " + describe(e));
                }
                if (c != null) {
                    c.close();
                }
                c = null;
            }
        }
        if (c != null) {
            c.close();
        }
    }

    /** The error and its causes: PgJDBC says only "An I/O error occurred" for a reset, an EOF and a message it cannot read. */
    private static String describe(Exception e) {
        StringBuilder s = new StringBuilder(e instanceof SQLException sql ? sql.getSQLState() + " " + sql.getMessage() : e.toString());
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            s.append(" <- ").append(cause);
        }
        return s.toString();
    }

    /** A PgJDBC connection: a plain query, or one server-side prepared statement per connection. */
    private record JdbcAsker(Connection connection, boolean prepared) implements Asker {
        @Override
        public List<String> ask(String tag) throws SQLException {
            if (prepared) {
                // PgJDBC caches the statement per connection: with prepareThreshold 1 it is a named server-side statement.
                try (java.sql.PreparedStatement s = connection.prepareStatement("select ?::text")) {
                    s.setString(1, tag);
                    try (ResultSet rs = s.executeQuery()) {
                        return rows(rs);
                    }
                }
            }
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("select '" + tag + "'")) {
                return rows(rs);
            }
        }

        private static List<String> rows(ResultSet rs) throws SQLException {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows;
        }

        @Override
        public void close() {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the connection is broken already; its error was recorded
            }
        }
    }

    /** A raw-protocol connection that checks the answer message by message. */
    private static final class WireAsker implements Asker {
        private static final Duration TIMEOUT = Duration.ofSeconds(60);
        private final WireClient client;

        WireAsker(int port, String database, String user, String password) throws IOException {
            client = WireClient.connect(port);
            try {
                client.login(user, password, database, TIMEOUT);
            } catch (IOException | RuntimeException e) {
                client.close();
                throw e;
            }
        }

        @Override
        public List<String> ask(String tag) throws IOException {
            client.send(Wire.concat(Wire.parse("", "select '" + tag + "'"), Wire.bind("", ""), Wire.describe('P', ""),
                    Wire.execute("", 0), Wire.sync()));
            List<WireClient.Frame> answer = client.readUntilReady(TIMEOUT);
            String types = answer.stream().map(f -> String.valueOf(f.type())).collect(Collectors.joining());
            if (!types.equals("12TDCZ")) {
                throw new IOException("for " + tag + " the answer was " + answer);
            }
            return List.of(String.valueOf(answer.get(3).firstColumn()));
        }

        @Override
        public void close() {
            client.close();
        }
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
}
