package io.pooler.bench.load;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.pooler.server.net.Transport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * An event-driven load generator speaking the wire protocol itself: two threads hold 10,000 client
 * connections, and every latency goes into one HdrHistogram.
 *
 * <p>Use in three steps: {@link #start} makes the threads, {@link #connect} ramps the clients up
 * (optionally in steps, with a callback after each, so a caller can sample the target's memory), and
 * {@link #measure} takes one or more intervals of results while the load keeps running. {@link #close}
 * ends it. Clients begin their transactions as soon as they have logged in; what happens before
 * {@code measure} is the warm-up.
 */
public final class LoadGenerator implements AutoCloseable {
    /** Shortest interval between two ramp ticks; each tick starts the clients the rate allows by then. */
    private static final long RAMP_TICK_MILLIS = 10;
    private static final int MAX_ERROR_SAMPLES = 8;
    private static final long DRAIN_MILLIS = 2000;
    private static final long SEED = 20_260_501L;

    private final LoadSpec spec;
    private final Transport transport = Transport.withoutIoUring();
    private final EventLoopGroup group;
    private final List<PgClient> clients;
    private final Recorder recorder = new Recorder(3);
    private final LongAdder errors = new LongAdder();
    private final ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger errorSampleCount = new AtomicInteger();
    private final AtomicInteger loggedIn = new AtomicInteger();
    private final AtomicInteger pendingLogins = new AtomicInteger();
    private volatile boolean running = true;
    private int started;

    private LoadGenerator(LoadSpec spec) {
        this.spec = spec;
        this.group = transport.newGroup(spec.eventLoops(), "bench-client");
        SplittableRandom seeds = new SplittableRandom(SEED);
        List<PgClient> list = new ArrayList<>(spec.clients());
        Iterator<?> loops = group.iterator();
        for (int i = 0; i < spec.clients(); i++) {
            if (!loops.hasNext()) {
                loops = group.iterator();
            }
            list.add(new PgClient(this, (EventLoop) loops.next(), seeds.split(), spec.applicationNames().nameOf(i)));
        }
        this.clients = List.copyOf(list);
    }

    /** Makes the threads and the clients; nothing connects yet. */
    public static LoadGenerator start(LoadSpec spec) {
        return new LoadGenerator(spec);
    }

    /** Connects every client in one step; see {@link #connect(int, Duration, IntConsumer)}. */
    public void connect(Duration timeout) throws LoadException {
        connect(1, timeout, n -> { });
    }

    /**
     * Starts the clients in {@code steps} equal batches, at most {@code loginsPerSecond} a second and
     * {@code maxPendingLogins} at a time, and after each batch has logged in calls {@code afterStep} with
     * the number of clients logged in.
     *
     * @throws LoadException when a batch has not logged in within {@code stepTimeout}
     */
    public void connect(int steps, Duration stepTimeout, IntConsumer afterStep) throws LoadException {
        long startNanos = System.nanoTime();
        for (int step = 1; step <= steps; step++) {
            int target = (int) ((long) spec.clients() * step / steps);
            long deadline = System.nanoTime() + stepTimeout.toNanos();
            while (loggedIn.get() < target) {
                if (System.nanoTime() > deadline) {
                    throw new LoadException(loggedIn.get() + " of " + target + " clients logged in within "
                            + stepTimeout.toSeconds() + " s; errors: " + errorSamples());
                }
                long allowedByRate = (System.nanoTime() - startNanos) * spec.loginsPerSecond() / 1_000_000_000L + 1;
                while (started < target && started < allowedByRate && pendingLogins.get() < spec.maxPendingLogins()) {
                    pendingLogins.incrementAndGet();
                    clients.get(started++).start();
                }
                sleep(RAMP_TICK_MILLIS);
            }
            afterStep.accept(loggedIn.get());
        }
    }

    /** Lets the load run for {@code duration} and returns what completed meanwhile. */
    public LoadResult measure(Duration duration) {
        recorder.getIntervalHistogram(); // drops what was recorded before
        long errorsBefore = errors.sum();
        long begin = System.nanoTime();
        sleep(duration.toMillis());
        Histogram histogram = recorder.getIntervalHistogram();
        double seconds = (System.nanoTime() - begin) / 1e9;
        return new LoadResult(histogram, errors.sum() - errorsBefore, errorSamples(), seconds,
                stalledClients(duration));
    }

    /** Clients whose current transaction was due more than {@code age} ago. */
    public int stalledClients(Duration age) {
        long now = System.nanoTime();
        int stalled = 0;
        for (PgClient client : clients) {
            long since = client.busySince();
            if (since != 0 && now - since > age.toNanos()) {
                stalled++;
            }
        }
        return stalled;
    }

    /** Errors since the start, the ramp's failed logins included. */
    public long errorsSinceStart() {
        return errors.sum();
    }

    public int loggedInClients() {
        return loggedIn.get();
    }

    /** The first few distinct error messages since the start. */
    public List<String> errorSamples() {
        return List.copyOf(errorSamples);
    }

    /**
     * Stops the load: no client starts another transaction, those under way may finish (for at most
     * {@link #DRAIN_MILLIS}), then every client says goodbye. Cutting transactions off would make the
     * pooler close their server connections, and the next run would start with a pool to refill.
     */
    @Override
    public void close() {
        running = false;
        long deadline = System.nanoTime() + DRAIN_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline && clients.stream().anyMatch(c -> c.busySince() != 0)) {
            sleep(RAMP_TICK_MILLIS);
        }
        clients.forEach(PgClient::stop);
        // Lets the goodbyes go out before the threads stop.
        group.shutdownGracefully(200, 5000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }

    // ---- called by the clients, from their event loops ----

    LoadSpec spec() {
        return spec;
    }

    Transport transport() {
        return transport;
    }

    boolean running() {
        return running;
    }

    void firstLoginAttemptEnded(boolean succeeded) {
        pendingLogins.decrementAndGet();
        if (succeeded) {
            loggedIn.incrementAndGet();
        }
    }

    void recordLatency(long nanos) {
        recorder.recordValue(Math.max(1, nanos / 1000));
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
