package io.pooler.bench.compare;

import java.util.List;
import java.util.Map;

/** Everything a comparison measured, and the report it printed and wrote as results.md. */
public record ComparisonReport(List<RoundResult> rounds, List<Summary> summaries, List<TargetCheck> checks,
                               Map<String, String> machine, String markdown) {
}
