package io.pooler.bench.compare;

import java.util.List;
import java.util.Locale;

/**
 * The comparison's one table, as Markdown: it reads well in a terminal and goes into the README as it is.
 * Medians over the rounds, with min and max where drift shows most.
 */
public final class ResultTable {
    private static final String HEADER = "| # | Scenario | Target | TPS median (min-max) | p50 ms | p99 ms median (min-max) "
            + "| p99.9 ms | Errors | Pooler CPU s / 1k tx | Memory / client |\n"
            + "|---|---|---|--:|--:|--:|--:|--:|--:|--:|\n";

    private ResultTable() {
    }

    public static String render(List<Summary> summaries) {
        StringBuilder out = new StringBuilder(HEADER);
        int lastScenario = -1;
        for (Summary s : summaries) {
            boolean first = s.scenario().number() != lastScenario;
            lastScenario = s.scenario().number();
            out.append("| ").append(first ? Integer.toString(s.scenario().number()) : "")
                    .append(" | ").append(first ? s.scenario().title() : "")
                    .append(" | ").append(s.targetName())
                    .append(" | ").append(tps(s.tpsMedian())).append(range(s.rounds(), tps(s.tpsMin()), tps(s.tpsMax())))
                    .append(" | ").append(millis(s.p50Median()))
                    .append(" | ").append(millis(s.p99Median())).append(range(s.rounds(), millis(s.p99Min()), millis(s.p99Max())))
                    .append(" | ").append(millis(s.p999Median()))
                    .append(" | ").append(s.errors())
                    .append(" | ").append(Double.isNaN(s.cpuPer1000Median()) ? "-" : format("%.3f", s.cpuPer1000Median()))
                    .append(" | ").append(Double.isNaN(s.memoryPerClientMedian()) ? "-" : kilobytes(s.memoryPerClientMedian()))
                    .append(" |\n");
        }
        return out.toString();
    }

    static String tps(double value) {
        return Double.isNaN(value) ? "-" : format("%,.0f", value);
    }

    static String millis(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return value >= 100 ? format("%.0f", value) : value >= 10 ? format("%.1f", value) : format("%.2f", value);
    }

    static String kilobytes(double bytes) {
        return format("%.2f KB", bytes / 1024);
    }

    private static String range(int rounds, String min, String max) {
        return rounds > 1 ? " (" + min + "-" + max + ")" : "";
    }

    private static String format(String pattern, double value) {
        return String.format(Locale.ROOT, pattern, value);
    }
}
