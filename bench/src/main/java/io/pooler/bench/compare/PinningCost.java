package io.pooler.bench.compare;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the session-state scan costs per query: Pooler with {@code pin_on_session_state = 1} (every Query
 * and Parse text scanned) against the same Pooler with 0 (no scan), alternating in the same run, in each
 * scenario both ran. The CPU difference is per transaction; in scenario 1 (pgbench -S) a transaction is
 * one query.
 */
final class PinningCost {
    static final String PINNING = "pooler";
    static final String NO_PINNING = "pooler-nopin";

    private PinningCost() {
    }

    /** A Markdown section, or "" when the run did not have both. */
    static String render(List<Summary> summaries) {
        StringBuilder out = new StringBuilder();
        for (Summary on : summaries) {
            if (!on.targetKey().equals(PINNING)) {
                continue;
            }
            Optional<Summary> off = summaries.stream()
                    .filter(s -> s.targetKey().equals(NO_PINNING) && s.scenario().number() == on.scenario().number())
                    .findFirst();
            if (off.isEmpty()) {
                continue;
            }
            double cpuOn = on.cpuPer1000Median();
            double cpuOff = off.get().cpuPer1000Median();
            // CPU s per 1,000 transactions -> microseconds per transaction.
            double microsPerTransaction = (cpuOn - cpuOff) * 1000;
            out.append(String.format(Locale.ROOT,
                    "- scenario %d (%s, %d rounds each, medians): pinning on %,.0f tx/s, %.3f CPU s/1k tx; "
                            + "off %,.0f tx/s, %.3f CPU s/1k tx; the scan: %+.1f µs of CPU per transaction, %+.1f%% tx/s%n",
                    on.scenario().number(), on.scenario().title(), Math.min(on.rounds(), off.get().rounds()),
                    on.tpsMedian(), cpuOn, off.get().tpsMedian(), cpuOff, microsPerTransaction,
                    (on.tpsMedian() / off.get().tpsMedian() - 1) * 100));
        }
        return out.length() == 0 ? "" : "\n## Session-state scan (pin_on_session_state 1 against 0)\n\n" + out;
    }
}
