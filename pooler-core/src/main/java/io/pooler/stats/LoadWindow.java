package io.pooler.stats;

/**
 * One pool's load, sampled several times a second by the stats timer and kept for the current stats
 * window (the previous period plus the running one, as {@link LatencyWindow}): how busy its servers
 * were, how often clients queued, whether the reserve was in use. SHOW ADVICE reasons from it.
 *
 * <p>Only running sums and peaks are kept, a dozen numbers per period, so a pool costs the same
 * whatever the period and the sampling rate.
 *
 * <p>Threads: {@link #record} and {@link #rotate} run on the stats timer, {@link #summary} on an admin
 * command; all are synchronized, and none is on the query path.
 */
public final class LoadWindow {
    private Sums previous = new Sums();
    private Sums current = new Sums();

    /**
     * One sample of the pool's state.
     *
     * @param clWaiting    clients queued for a server
     * @param svActive     servers linked to a client
     * @param servers      servers open or opening, in any state
     * @param poolSize     the pool's pool_size at that moment (servers above it are the reserve's)
     * @param waitTimeouts the pool's count of query_wait_timeout errors so far (a running total)
     */
    public synchronized void record(int clWaiting, int svActive, int servers, int poolSize, long waitTimeouts) {
        current.add(clWaiting, svActive, servers, poolSize, waitTimeouts);
    }

    /** Ends the running stats period: it becomes the previous one. */
    public synchronized void rotate() {
        previous = current;
        current = new Sums();
        current.firstWaitTimeouts = previous.lastWaitTimeouts;
        current.hasFirst = previous.samples > 0;
    }

    public synchronized LoadSummary summary() {
        Sums all = previous.samples == 0 ? current : previous.plus(current);
        if (all.samples == 0) {
            return LoadSummary.NONE;
        }
        double n = all.samples;
        return new LoadSummary(all.samples, all.sumActive / n, all.peakActive, all.sumWaiting / n, all.peakWaiting,
                all.busy / n, all.waiting / n, all.reserve / n, all.peakServers,
                Math.max(0, all.lastWaitTimeouts - all.firstWaitTimeouts));
    }

    /** Sums and peaks over the samples of one period. */
    private static final class Sums {
        int samples;
        long sumActive;
        long sumWaiting;
        int peakActive;
        int peakWaiting;
        int peakServers;
        int busy;
        int waiting;
        int reserve;
        boolean hasFirst;
        long firstWaitTimeouts;
        long lastWaitTimeouts;

        void add(int clWaiting, int svActive, int servers, int poolSize, long waitTimeouts) {
            if (!hasFirst) {
                firstWaitTimeouts = waitTimeouts;
                hasFirst = true;
            }
            lastWaitTimeouts = waitTimeouts;
            samples++;
            sumActive += svActive;
            sumWaiting += clWaiting;
            peakActive = Math.max(peakActive, svActive);
            peakWaiting = Math.max(peakWaiting, clWaiting);
            peakServers = Math.max(peakServers, servers);
            busy += poolSize > 0 && svActive >= poolSize ? 1 : 0;
            waiting += clWaiting > 0 ? 1 : 0;
            reserve += poolSize > 0 && servers > poolSize ? 1 : 0;
        }

        Sums plus(Sums later) {
            Sums s = new Sums();
            s.samples = samples + later.samples;
            s.sumActive = sumActive + later.sumActive;
            s.sumWaiting = sumWaiting + later.sumWaiting;
            s.peakActive = Math.max(peakActive, later.peakActive);
            s.peakWaiting = Math.max(peakWaiting, later.peakWaiting);
            s.peakServers = Math.max(peakServers, later.peakServers);
            s.busy = busy + later.busy;
            s.waiting = waiting + later.waiting;
            s.reserve = reserve + later.reserve;
            s.hasFirst = true;
            s.firstWaitTimeouts = firstWaitTimeouts;
            s.lastWaitTimeouts = later.samples > 0 ? later.lastWaitTimeouts : lastWaitTimeouts;
            return s;
        }
    }
}
