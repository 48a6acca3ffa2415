package io.pooler.stats;

/**
 * A pool's load over the current stats window, from {@link LoadWindow}'s samples.
 *
 * @param samples      how many samples the window holds
 * @param meanActive   servers linked to a client, on average (sv_active)
 * @param peakActive   the most servers linked at once
 * @param meanWaiting  clients queued for a server, on average (cl_waiting)
 * @param peakWaiting  the most clients queued at once
 * @param busyShare    share of samples with every pool_size server linked (0 to 1)
 * @param waitingShare share of samples with a client queued
 * @param reserveShare share of samples with more servers open than pool_size: the reserve in use
 * @param peakServers  the most servers open at once, reserve included
 * @param waitTimeouts clients failed with query_wait_timeout during the window
 */
public record LoadSummary(int samples, double meanActive, int peakActive, double meanWaiting, int peakWaiting,
                          double busyShare, double waitingShare, double reserveShare, int peakServers,
                          long waitTimeouts) {

    public static final LoadSummary NONE = new LoadSummary(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
