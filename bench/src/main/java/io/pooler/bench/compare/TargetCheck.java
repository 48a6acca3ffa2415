package io.pooler.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The targets for Pooler against PgBouncer in the same run: each met or missed, by how much.
 */
public record TargetCheck(String description, boolean met, String detail) {
    /** Memory per idle client connection Pooler must stay under. */
    static final double MEMORY_PER_CLIENT_LIMIT = 2048;

    /**
     * Met or missed compares the medians, as the targets are written; the detail adds the ratios
     * of the paired rounds ({@link RoundRatios}), which say whether that difference stands out of the noise.
     */
    public static List<TargetCheck> evaluate(List<RoundResult> results, String poolerKey, String pgbouncerKey) {
        List<Summary> summaries = Summary.of(results);
        List<TargetCheck> checks = new ArrayList<>();
        pair(summaries, 1, poolerKey, pgbouncerKey).ifPresent(p -> {
            checks.add(atLeast("scenario 1: TPS at least PgBouncer's", p[0].tpsMedian(), p[1].tpsMedian(), "tx/s",
                    RoundRatios.of(results, 1, poolerKey, pgbouncerKey, Measurement::tps)));
            checks.add(atMost("scenario 1: CPU per transaction at most PgBouncer's", p[0].cpuPer1000Median(),
                    p[1].cpuPer1000Median(), "CPU s/1k tx",
                    RoundRatios.of(results, 1, poolerKey, pgbouncerKey, Measurement::cpuSecondsPer1000)));
        });
        pair(summaries, 3, poolerKey, pgbouncerKey).ifPresent(p ->
                checks.add(atLeast("scenario 3: TPS at least PgBouncer's", p[0].tpsMedian(), p[1].tpsMedian(), "tx/s",
                        RoundRatios.of(results, 3, poolerKey, pgbouncerKey, Measurement::tps))));
        pair(summaries, 4, poolerKey, pgbouncerKey).ifPresent(p ->
                checks.add(atMost("scenario 4: p99 latency at most PgBouncer's", p[0].p99Median(), p[1].p99Median(), "ms",
                        RoundRatios.of(results, 4, poolerKey, pgbouncerKey,
                                m -> Summary.percentileMillis(m.latencyMicros(), 99)))));
        find(summaries, 5, poolerKey).ifPresent(pooler -> {
            checks.add(new TargetCheck("scenario 5: zero errors", pooler.errors() == 0, pooler.errors() + " errors"));
            double perClient = pooler.memoryPerClientMedian();
            String reference = find(summaries, 5, pgbouncerKey)
                    .map(b -> ", PgBouncer " + ResultTable.kilobytes(b.memoryPerClientMedian())).orElse("");
            checks.add(new TargetCheck("scenario 5: memory per idle client connection under 2 KB",
                    perClient < MEMORY_PER_CLIENT_LIMIT,
                    ResultTable.kilobytes(perClient) + reference
                            + (perClient < MEMORY_PER_CLIENT_LIMIT ? "" : ", over by " + ResultTable.kilobytes(perClient - MEMORY_PER_CLIENT_LIMIT))));
        });
        return checks;
    }

    public static String render(List<TargetCheck> checks) {
        StringBuilder out = new StringBuilder();
        for (TargetCheck c : checks) {
            out.append(c.met() ? "- met:    " : "- MISSED: ").append(c.description()).append(" (").append(c.detail()).append(")\n");
        }
        return out.toString();
    }

    private static TargetCheck atLeast(String description, double pooler, double pgbouncer, String unit, RoundRatios rounds) {
        boolean met = pooler >= pgbouncer;
        return new TargetCheck(description, met, compare(pooler, pgbouncer, unit, met) + rounds.describe());
    }

    private static TargetCheck atMost(String description, double pooler, double pgbouncer, String unit, RoundRatios rounds) {
        boolean met = pooler <= pgbouncer;
        return new TargetCheck(description, met, compare(pooler, pgbouncer, unit, met) + rounds.describe());
    }

    private static String compare(double pooler, double pgbouncer, String unit, boolean met) {
        double percent = (pooler - pgbouncer) / pgbouncer * 100;
        return String.format(Locale.ROOT, "Pooler %s vs PgBouncer %s %s: %+.1f%%%s", number(pooler), number(pgbouncer), unit,
                percent, met ? "" : ", missed by " + String.format(Locale.ROOT, "%.1f%%", Math.abs(percent)));
    }

    private static String number(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.3f", v);
    }

    private static Optional<Summary[]> pair(List<Summary> summaries, int scenario, String a, String b) {
        Optional<Summary> first = find(summaries, scenario, a);
        Optional<Summary> second = find(summaries, scenario, b);
        return first.isPresent() && second.isPresent()
                ? Optional.of(new Summary[] {first.get(), second.get()}) : Optional.empty();
    }

    private static Optional<Summary> find(List<Summary> summaries, int scenario, String key) {
        return summaries.stream().filter(s -> s.scenario().number() == scenario && s.targetKey().equals(key)).findFirst();
    }
}
