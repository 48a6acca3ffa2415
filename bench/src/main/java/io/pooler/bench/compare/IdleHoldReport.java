package io.pooler.bench.compare;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Locale;

/**
 * What a hold test found. Targets (issue 11): RSS at the end of the hold within 5% of RSS at minute 1,
 * and RSS and open files after every client left within 10% of the baseline.
 *
 * @param started right after the process started listening
 * @param baseline after the warm-up's clients came and went, before the hold's clients connect
 * @param early minute 1 of the hold
 * @param late the end of the hold
 * @param afterDisconnect after every client left and the settle time passed
 */
public record IdleHoldReport(String targetName, int clients, int activeClients, Sample started, Sample baseline,
                             Sample early, Sample late, Sample afterDisconnect, long trickleQueries, long errors,
                             List<String> errorSamples, Histogram trickleLatencyMicros) {

    static final double FLAT_PERCENT = 5;
    static final double RETURN_PERCENT = 10;

    /**
     * One look at the process.
     *
     * @param seconds since the process started
     * @param cpuSeconds user plus system CPU of the process so far
     */
    public record Sample(double seconds, int clients, long rssBytes, long openFiles, double cpuSeconds) {
    }

    public IdleHoldReport {
        errorSamples = List.copyOf(errorSamples);
    }

    /** RSS at the end of the hold against minute 1, in percent. */
    public double holdDriftPercent() {
        return percent(late.rssBytes(), early.rssBytes());
    }

    public double rssReturnPercent() {
        return percent(afterDisconnect.rssBytes(), baseline.rssBytes());
    }

    public double openFilesReturnPercent() {
        return percent(afterDisconnect.openFiles(), baseline.openFiles());
    }

    /** RSS growth per held client: minute 1 against the baseline. */
    public double bytesPerClient() {
        return (early.rssBytes() - baseline.rssBytes()) / (double) clients;
    }

    public boolean heldFlat() {
        return Math.abs(holdDriftPercent()) < FLAT_PERCENT;
    }

    public boolean returned() {
        return Math.abs(rssReturnPercent()) <= RETURN_PERCENT && Math.abs(openFilesReturnPercent()) <= RETURN_PERCENT;
    }

    public String render() {
        Histogram h = trickleLatencyMicros;
        return String.format(Locale.ROOT, """
                        %s, %,d idle clients (%,d of them sending queries):
                          RSS minute 1 %.1f MB, end of hold %.1f MB: %+.1f%% (target under %.0f%%): %s
                          after all disconnected: RSS %.1f MB against %.1f MB at the baseline (%+.1f%%), open files %d against %d (%+.1f%%) (target within %.0f%%): %s
                          RSS per held client: %.2f KB (minute 1 against the baseline); started at %.1f MB with %d open files
                          trickle: %,d queries, p50 %.2f ms, p99 %.2f ms, max %.2f ms; errors: %d%s
                        """,
                targetName, clients, activeClients,
                mb(early.rssBytes()), mb(late.rssBytes()), holdDriftPercent(), FLAT_PERCENT, heldFlat() ? "met" : "MISSED",
                mb(afterDisconnect.rssBytes()), mb(baseline.rssBytes()), rssReturnPercent(), afterDisconnect.openFiles(),
                baseline.openFiles(), openFilesReturnPercent(), RETURN_PERCENT, returned() ? "met" : "MISSED",
                bytesPerClient() / 1024, mb(started.rssBytes()), started.openFiles(),
                trickleQueries, millis(h, 50), millis(h, 99), h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0,
                errors, errorSamples.isEmpty() ? "" : " " + errorSamples);
    }

    /** The figures of several runs (Pooler's and PgBouncer's) one line each, for the README and bench/results. */
    public static String renderSideBySide(List<IdleHoldReport> reports) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%-22s %8s %8s %12s %12s %8s %22s %16s %9s%n", "target", "clients", "hold min", "KB/client",
                "minute 1 MB", "end MB", "after left / baseline", "files after/base", "errors"));
        for (IdleHoldReport r : reports) {
            double holdMinutes = (r.late.seconds() - r.early.seconds()) / 60 + 1;
            sb.append(String.format(Locale.ROOT, "%-22s %,8d %8.1f %12.2f %12.1f %8.1f %22s %16s %9d%n",
                    r.targetName.length() > 22 ? r.targetName.substring(0, 22) : r.targetName, r.clients, holdMinutes,
                    r.bytesPerClient() / 1024, mb(r.early.rssBytes()), mb(r.late.rssBytes()),
                    String.format(Locale.ROOT, "%.1f / %.1f MB", mb(r.afterDisconnect.rssBytes()), mb(r.baseline.rssBytes())),
                    r.afterDisconnect.openFiles() + " / " + r.baseline.openFiles(), r.errors));
        }
        return sb.toString();
    }

    static double mb(long bytes) {
        return bytes / 1048576.0;
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static double percent(double now, double before) {
        return before == 0 ? Double.NaN : (now - before) * 100 / before;
    }
}
