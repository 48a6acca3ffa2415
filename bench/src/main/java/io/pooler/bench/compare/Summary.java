package io.pooler.bench.compare;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * One target's rounds of one scenario, reduced to medians with min and max; latency percentiles in
 * milliseconds. {@code medianRound} is the latency histogram of the round with the median p99, the one
 * the plot draws: like the table's medians, it leaves out a round that a stall of the machine spoilt,
 * where a histogram of all rounds would carry the stall into every percentile above it.
 */
public record Summary(Scenario scenario, String targetKey, String targetName, String driver, int rounds,
                      double tpsMedian, double tpsMin, double tpsMax,
                      double p50Median, double p99Median, double p99Min, double p99Max, double p999Median,
                      long errors, double cpuPer1000Median, double memoryPerClientMedian,
                      List<String> errorSamples, Histogram medianRound) {

    /** Groups rounds by scenario and target, keeping the order in which each pair first appears. */
    public static List<Summary> of(List<RoundResult> results) {
        Map<String, List<RoundResult>> groups = new LinkedHashMap<>();
        for (RoundResult r : results) {
            groups.computeIfAbsent(r.scenario().number() + "/" + r.targetKey(), k -> new ArrayList<>()).add(r);
        }
        return groups.values().stream().map(Summary::ofRounds).toList();
    }

    static Summary ofRounds(List<RoundResult> rounds) {
        RoundResult first = rounds.get(0);
        double[] p99 = values(rounds, m -> percentileMillis(m.latencyMicros(), 99));
        Set<String> samples = new LinkedHashSet<>();
        long errors = 0;
        for (RoundResult r : rounds) {
            errors += r.measurement().errors();
            samples.addAll(r.measurement().errorSamples());
        }
        double[] tps = values(rounds, Measurement::tps);
        return new Summary(first.scenario(), first.targetKey(), first.targetName(), first.measurement().driver(),
                rounds.size(), Stats.median(tps), Stats.min(tps), Stats.max(tps),
                Stats.median(values(rounds, m -> percentileMillis(m.latencyMicros(), 50))),
                Stats.median(p99), Stats.min(p99), Stats.max(p99),
                Stats.median(values(rounds, m -> percentileMillis(m.latencyMicros(), 99.9))),
                errors, Stats.median(values(rounds, Measurement::cpuSecondsPer1000)),
                Stats.median(values(rounds, Measurement::memoryPerClientBytes)),
                List.copyOf(samples), medianRound(rounds).measurement().latencyMicros());
    }

    /** The round whose p99 is the median (the lower middle one of an even count); rounds without latencies last. */
    static RoundResult medianRound(List<RoundResult> rounds) {
        List<RoundResult> sorted = new ArrayList<>(rounds);
        sorted.sort(Comparator.comparingDouble(r -> {
            double p99 = percentileMillis(r.measurement().latencyMicros(), 99);
            return Double.isNaN(p99) ? Double.MAX_VALUE : p99;
        }));
        long measured = rounds.stream().filter(r -> r.measurement().latencyMicros().getTotalCount() > 0).count();
        return sorted.get((int) Math.max(0, (measured - 1) / 2));
    }

    /** A percentile in milliseconds; NaN for an empty histogram. */
    static double percentileMillis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static double[] values(List<RoundResult> rounds, ToDoubleFunction<Measurement> f) {
        return rounds.stream().mapToDouble(r -> f.applyAsDouble(r.measurement())).toArray();
    }
}
