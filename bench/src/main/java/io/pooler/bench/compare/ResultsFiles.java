package io.pooler.bench.compare;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results as CSV: every round, the summary the table shows, and the latency percentile curves the
 * plot draws (each target's median round). Written by hand: three flat files with numbers and plain names need no CSV library.
 */
public final class ResultsFiles {
    public static final String ROUNDS = "rounds.csv";
    public static final String SUMMARY = "summary.csv";
    public static final String PERCENTILES = "latency-percentiles.csv";
    /** HdrHistogram's percentile steps per halving of the distance to 100%, as in its own output. */
    private static final int TICKS_PER_HALF_DISTANCE = 5;

    private ResultsFiles() {
    }

    public static void write(Path dir, List<RoundResult> rounds, List<Summary> summaries) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(ROUNDS), roundsCsv(rounds));
        Files.writeString(dir.resolve(SUMMARY), summaryCsv(summaries));
        Files.writeString(dir.resolve(PERCENTILES), percentilesCsv(summaries));
    }

    static String roundsCsv(List<RoundResult> rounds) {
        StringBuilder out = new StringBuilder("scenario,scenario_key,target_key,target,round,driver,tps,transactions,errors,"
                + "p50_ms,p90_ms,p99_ms,p99_9_ms,max_ms,pooler_cpu_s,pooler_cpu_s_per_1k_tx,memory_per_client_bytes,"
                + "rss_all_clients_bytes,pooler_jit_compiler_cpu_s\n");
        for (RoundResult r : rounds) {
            Measurement m = r.measurement();
            Histogram h = m.latencyMicros();
            out.append(r.scenario().number()).append(',').append(r.scenario().key()).append(',').append(r.targetKey())
                    .append(',').append(quote(r.targetName())).append(',').append(r.round()).append(',').append(quote(m.driver()))
                    .append(',').append(num(m.tps())).append(',').append(m.transactions()).append(',').append(m.errors())
                    .append(',').append(num(Summary.percentileMillis(h, 50))).append(',').append(num(Summary.percentileMillis(h, 90)))
                    .append(',').append(num(Summary.percentileMillis(h, 99))).append(',').append(num(Summary.percentileMillis(h, 99.9)))
                    .append(',').append(num(h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1000.0))
                    .append(',').append(num(m.poolerCpuSeconds())).append(',').append(num(m.cpuSecondsPer1000()))
                    .append(',').append(num(m.memoryPerClientBytes())).append(',').append(num(m.residentBytes()))
                    .append(',').append(num(m.compilerCpuSeconds()))
                    .append('\n');
        }
        return out.toString();
    }

    static String summaryCsv(List<Summary> summaries) {
        StringBuilder out = new StringBuilder("scenario,scenario_key,title,target_key,target,driver,rounds,tps_median,tps_min,"
                + "tps_max,p50_ms,p99_ms,p99_min_ms,p99_max_ms,p99_9_ms,errors,pooler_cpu_s_per_1k_tx,memory_per_client_bytes\n");
        for (Summary s : summaries) {
            out.append(s.scenario().number()).append(',').append(s.scenario().key()).append(',').append(quote(s.scenario().title()))
                    .append(',').append(s.targetKey()).append(',').append(quote(s.targetName())).append(',').append(quote(s.driver()))
                    .append(',').append(s.rounds()).append(',').append(num(s.tpsMedian())).append(',').append(num(s.tpsMin()))
                    .append(',').append(num(s.tpsMax())).append(',').append(num(s.p50Median())).append(',').append(num(s.p99Median()))
                    .append(',').append(num(s.p99Min())).append(',').append(num(s.p99Max())).append(',').append(num(s.p999Median()))
                    .append(',').append(s.errors()).append(',').append(num(s.cpuPer1000Median()))
                    .append(',').append(num(s.memoryPerClientMedian())).append('\n');
        }
        return out.toString();
    }

    static String percentilesCsv(List<Summary> summaries) {
        StringBuilder out = new StringBuilder("scenario,target_key,percentile,latency_ms\n");
        for (Summary s : summaries) {
            for (double[] point : percentileCurve(s.medianRound())) {
                out.append(s.scenario().number()).append(',').append(s.targetKey()).append(',')
                        .append(num(point[0])).append(',').append(num(point[1])).append('\n');
            }
        }
        return out.toString();
    }

    /** (percentile, milliseconds) pairs, denser towards the tail, as HdrHistogram prints them. */
    static List<double[]> percentileCurve(Histogram h) {
        if (h.getTotalCount() == 0) {
            return List.of();
        }
        List<double[]> points = new ArrayList<>();
        for (HistogramIterationValue v : h.percentiles(TICKS_PER_HALF_DISTANCE)) {
            points.add(new double[] {v.getPercentileLevelIteratedTo(), v.getValueIteratedTo() / 1000.0});
        }
        return points;
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
