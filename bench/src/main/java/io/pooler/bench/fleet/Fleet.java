package io.pooler.bench.fleet;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.pooler.bench.load.Credentials;
import io.pooler.bench.load.LoadException;
import io.pooler.server.net.Transport;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The simulated Odoo fleet: every host's processes, on a few event-loop threads, against one pooler.
 *
 * <p>Use: {@link #start} makes the processes; {@link #open} opens every process's pool and LISTEN
 * connections (the ramp); {@link #startTraffic} starts the requests; {@link #measure} takes an interval
 * of results while the load runs; {@link #close} stops it: no new request starts, those under way may
 * finish for a bounded time, every connection says goodbye. Every request loop stops when the fleet
 * stops; a worker's backlog is bounded.
 */
public final class Fleet implements AutoCloseable {
    private static final int MAX_ERROR_SAMPLES = 8;
    private static final long SEED = 20_261_203L;
    /** Processes opening their pools at once; each opens one connection at a time. */
    private static final int OPENING_AT_ONCE = 64;
    private static final long DRAIN_MILLIS = 5000;

    private final FleetShape shape;
    private final String host;
    private final int port;
    private final Credentials credentials;
    private final Transport transport = Transport.withoutIoUring();
    private final EventLoopGroup group;
    private final List<OdooProcess> processes = new ArrayList<>();

    private final Recorder requests = new Recorder(3);
    private final Recorder waits = new Recorder(3);
    private final StatementRoundTrips statements = new StatementRoundTrips();
    private final LongAdder errors = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder notifies = new LongAdder();
    private final LongAdder notifications = new LongAdder();
    private final LongAdder busReads = new LongAdder();
    private final LongAdder cronJobs = new LongAdder();
    private final LongAdder logins = new LongAdder();
    private final ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger errorSampleCount = new AtomicInteger();
    private volatile boolean ramping = true;
    private volatile boolean running;

    private Fleet(FleetShape shape, String host, int port, Credentials credentials, int threads) {
        this.shape = shape;
        this.host = host;
        this.port = port;
        this.credentials = credentials;
        this.group = transport.newGroup(threads, "fleet");
        SplittableRandom seeds = new SplittableRandom(SEED);
        List<EventLoop> loops = new ArrayList<>();
        group.forEach(e -> loops.add((EventLoop) e));
        List<String> databases = shape.databases();
        for (String database : databases) {
            for (int w = 0; w < shape.workers(); w++) {
                processes.add(new OdooProcess(this, OdooProcess.Kind.HTTP, database, 0, next(loops), seeds.split(),
                        shape.dbMaxconn()));
            }
            for (int c = 0; c < shape.crons(); c++) {
                processes.add(new OdooProcess(this, OdooProcess.Kind.CRON, database, c + 1, next(loops), seeds.split(),
                        shape.dbMaxconn()));
            }
            processes.add(new OdooProcess(this, OdooProcess.Kind.GEVENT, database, 0, next(loops), seeds.split(),
                    shape.dbMaxconnGevent()));
        }
    }

    /** The threads in turn, one process after the other. */
    private EventLoop next(List<EventLoop> loops) {
        return loops.get(processes.size() % loops.size());
    }

    /** The fleet's processes on {@code threads} event loops; nothing connects yet. */
    public static Fleet start(FleetShape shape, String host, int port, Credentials odoo, int threads) {
        return new Fleet(shape, host, port, odoo, threads);
    }

    public FleetShape shape() {
        return shape;
    }

    /**
     * Opens every process's pool and LISTEN connections, {@value #OPENING_AT_ONCE} processes at a time.
     *
     * @throws LoadException when a process could not open them within {@code timeout}
     */
    public void open(Duration timeout) throws LoadException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<CompletableFuture<Void>> opening = new ArrayList<>();
        int started = 0;
        while (started < processes.size() || opening.stream().anyMatch(f -> !f.isDone())) {
            if (System.nanoTime() > deadline) {
                throw new LoadException("the fleet's connections were not all open within " + timeout.toSeconds()
                        + " s (" + logins.sum() + " logins); errors: " + errorSamples());
            }
            long pending = opening.stream().filter(f -> !f.isDone()).count();
            while (started < processes.size() && pending < OPENING_AT_ONCE) {
                opening.add(processes.get(started++).open());
                pending++;
            }
            sleep(20);
        }
        for (CompletableFuture<Void> f : opening) {
            if (f.isCompletedExceptionally()) {
                throw new LoadException("a process could not open its connections; errors: " + errorSamples());
            }
        }
    }

    /** Starts the requests of every worker and cron worker. */
    public void startTraffic() {
        running = true;
        processes.forEach(OdooProcess::startTraffic);
    }

    /**
     * Lets the load run for {@code duration} and returns what happened meanwhile. Every process draws
     * its arrivals from its measured stream from now on, so that each target is measured under the same
     * requests (see {@link OdooProcess#startMeasuredDraws}).
     */
    public FleetResult measure(Duration duration) {
        processes.forEach(OdooProcess::startMeasuredDraws);
        requests.getIntervalHistogram();
        waits.getIntervalHistogram();
        statements.interval();
        long errorsBefore = errors.sum();
        long retriesBefore = retries.sum();
        long notifiesBefore = notifies.sum();
        long notificationsBefore = notifications.sum();
        long busReadsBefore = busReads.sum();
        long cronBefore = cronJobs.sum();
        long begin = System.nanoTime();
        sleep(duration.toMillis());
        double seconds = (System.nanoTime() - begin) / 1e9;
        return new FleetResult(requests.getIntervalHistogram(), waits.getIntervalHistogram(), statements.interval(), seconds,
                errors.sum() - errorsBefore, retries.sum() - retriesBefore, notifies.sum() - notifiesBefore,
                notifications.sum() - notificationsBefore, busReads.sum() - busReadsBefore, cronJobs.sum() - cronBefore,
                stalled(duration), errorSamples());
    }

    /** Workers whose current request was due more than {@code age} ago. */
    public int stalled(Duration age) {
        long now = System.nanoTime();
        int stalled = 0;
        for (OdooProcess p : processes) {
            long since = p.busySince();
            if (since != 0 && now - since > age.toNanos()) {
                stalled++;
            }
        }
        return stalled;
    }

    public long errorsSinceStart() {
        return errors.sum();
    }

    public List<String> errorSamples() {
        return List.copyOf(errorSamples);
    }

    /** Stops the requests, lets those under way finish (bounded), closes every connection. */
    @Override
    public void close() {
        running = false;
        ramping = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
        while (System.nanoTime() < deadline && processes.stream().anyMatch(p -> p.busySince() != 0)) {
            sleep(20);
        }
        processes.forEach(OdooProcess::close);
        group.shutdownGracefully(200, 5000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }

    // ---- called by the processes, from their event loops ----

    boolean running() {
        return running;
    }

    boolean rampingOrRunning() {
        return ramping || running;
    }

    CompletableFuture<SqlConnection> openConnection(EventLoop loop, String database) {
        logins.increment();
        return SqlConnection.open(transport, loop, host, port, database, credentials, "odoo-fleet");
    }

    void requestDone(long nanos) {
        requests.recordValue(Math.max(1, nanos / 1000));
    }

    void serverWait(long nanos) {
        waits.recordValue(Math.max(1, nanos / 1000));
    }

    void statementDone(String kind, long nanos) {
        statements.record(kind, nanos);
    }

    void retried() {
        retries.increment();
    }

    void notifySent() {
        notifies.increment();
    }

    void notificationReceived() {
        notifications.increment();
    }

    void busReadDone() {
        busReads.increment();
    }

    void cronJobDone() {
        cronJobs.increment();
    }

    void error(String message) {
        errors.increment();
        if (errorSampleCount.get() < MAX_ERROR_SAMPLES && !errorSamples.contains(message)
                && errorSampleCount.incrementAndGet() <= MAX_ERROR_SAMPLES) {
            errorSamples.add(message);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
