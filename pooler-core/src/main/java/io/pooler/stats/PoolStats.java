package io.pooler.stats;

import io.pooler.protocol.prepared.StatementCounters;

import java.util.concurrent.atomic.LongAdder;

/**
 * PgBouncer's statistics of one pool: counters added to from every event loop, and, unless turned off,
 * latency histograms for the percentiles SHOW STATS and SHOW POOLS add at the end.
 *
 * <p>Definitions follow PgBouncer (doc/usage.md, SHOW STATS): a query starts with the first client
 * message when none is running and ends with the ReadyForQuery that answers the last message sent; a
 * transaction starts with the first message outside a transaction and ends with a ReadyForQuery saying
 * idle; a server assignment is every time a server is linked to a client, its wait the time the client
 * queued for it. Bytes are counted at the client side: received from clients, sent to them.
 *
 * <p>Threads: the recording methods are thread-safe and cheap (a {@link LongAdder} increment, and a
 * wait-free histogram record when percentiles are on); reading is for the admin console and the stats
 * timer.
 */
public final class PoolStats implements StatementCounters {
    private final LongAdder serverAssignments = new LongAdder();
    private final LongAdder xactCount = new LongAdder();
    private final LongAdder queryCount = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder xactTime = new LongAdder();
    private final LongAdder queryTime = new LongAdder();
    private final LongAdder waitTime = new LongAdder();
    private final LongAdder clientParses = new LongAdder();
    private final LongAdder serverParses = new LongAdder();
    private final LongAdder binds = new LongAdder();
    private final LongAdder clientLogins = new LongAdder();

    /** Null when percentiles are off. */
    private final LatencyWindow queryTimes;
    private final LatencyWindow xactTimes;
    private final LatencyWindow waitTimes;
    private volatile LatencyListener listener = LatencyListener.NONE;
    private final ErrorCounters errors = new ErrorCounters();
    private final LoadWindow load = new LoadWindow();

    /** The totals when the current window began, and at the last period boundary (PgBouncer's older/newer_stats). */
    private volatile StatsTotals windowStart = StatsTotals.ZERO;
    private volatile StatsTotals lastBoundary = StatsTotals.ZERO;
    /** Set once, when the pool is freed (autodb_idle_timeout); see {@link #ofFreedPool}. */
    private volatile boolean ofFreedPool;

    public PoolStats() {
        this(true);
    }

    /** @param percentiles whether to keep latency histograms (their cost is measured in the bench module) */
    public PoolStats(boolean percentiles) {
        queryTimes = percentiles ? new LatencyWindow() : null;
        xactTimes = percentiles ? new LatencyWindow() : null;
        waitTimes = percentiles ? new LatencyWindow() : null;
    }

    /** The pool is freed: these stats are final. Called by the pool, before anyone is told. */
    public void poolFreed() {
        ofFreedPool = true;
    }

    /**
     * True once the pool is freed: an exporter must not bind these stats again (one that listed the pool
     * just before it was freed would otherwise export them for good, after their meters were removed).
     */
    public boolean ofFreedPool() {
        return ofFreedPool;
    }

    /** Metrics export hooks in here; replaces any previous listener. */
    public void listener(LatencyListener listener) {
        this.listener = listener == null ? LatencyListener.NONE : listener;
    }

    // ---- the hot path ----

    public void queryStarted() {
        queryCount.increment();
    }

    public void transactionStarted() {
        xactCount.increment();
    }

    public void queryDone(long nanos) {
        long micros = nanos / 1000;
        queryTime.add(micros);
        if (queryTimes != null) {
            queryTimes.record(micros);
        }
        listener.queryDone(nanos);
    }

    public void transactionDone(long nanos) {
        long micros = nanos / 1000;
        xactTime.add(micros);
        if (xactTimes != null) {
            xactTimes.record(micros);
        }
        listener.transactionDone(nanos);
    }

    /** A server was linked to a client that waited {@code waitNanos} for it (0 if it did not wait). */
    public void serverAssigned(long waitNanos) {
        long micros = waitNanos / 1000;
        serverAssignments.increment();
        waitTime.add(micros);
        if (waitTimes != null) {
            waitTimes.record(micros);
        }
        listener.serverAssigned(waitNanos);
    }

    @Override
    public void clientParse() {
        clientParses.increment();
    }

    @Override
    public void serverParse() {
        serverParses.increment();
    }

    @Override
    public void bind() {
        binds.increment();
    }

    /** A client finished logging in to this pool (PgBouncer's client_login_count: CL_LOGIN to CL_ACTIVE). */
    public void clientLoggedIn() {
        clientLogins.increment();
    }

    public void received(long bytes) {
        bytesReceived.add(bytes);
    }

    public void sent(long bytes) {
        bytesSent.add(bytes);
    }

    /** Errors sent to this pool's clients, and its server login failures. */
    public ErrorCounters errors() {
        return errors;
    }

    /** The pool's sampled load (servers busy, clients queued, reserve in use) over the stats window. */
    public LoadWindow load() {
        return load;
    }

    // ---- reading ----

    public StatsTotals totals() {
        return new StatsTotals(serverAssignments.sum(), xactCount.sum(), queryCount.sum(), bytesReceived.sum(),
                bytesSent.sum(), xactTime.sum(), queryTime.sum(), waitTime.sum(), clientParses.sum(), serverParses.sum(),
                binds.sum(), clientLogins.sum());
    }

    /** The totals when the current stats window began; averages are taken against them. */
    public StatsTotals windowStart() {
        return windowStart;
    }

    public boolean hasPercentiles() {
        return queryTimes != null;
    }

    /** The window's histograms (copies), or empty ones when percentiles are off. */
    public LatencyHistograms latency() {
        if (queryTimes == null) {
            return LatencyHistograms.empty();
        }
        return new LatencyHistograms(queryTimes.window(), xactTimes.window(), waitTimes.window());
    }

    /** A stats period ended: the window now starts at the previous boundary. Called by {@link StatsWindow}. */
    void rotate() {
        windowStart = lastBoundary;
        lastBoundary = totals();
        load.rotate();
        if (queryTimes != null) {
            queryTimes.rotate();
            xactTimes.rotate();
            waitTimes.rotate();
        }
    }
}
