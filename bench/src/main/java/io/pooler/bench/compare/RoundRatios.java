package io.pooler.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * One target's figure over another's, round by round: the two run one after the other within a round,
 * so a round's ratio leaves out most of the machine's drift between rounds, and the ratios' range says
 * whether the medians' difference is larger than what the rounds scatter by. A target check whose
 * ratios lie on both sides of 1 is level within the rounds' spread, whichever way its medians fell.
 */
record RoundRatios(int pairs, double min, double max) {

    static RoundRatios of(List<RoundResult> results, int scenario, String key, String referenceKey,
                          ToDoubleFunction<Measurement> figure) {
        Map<Integer, RoundResult> reference = results.stream()
                .filter(r -> r.scenario().number() == scenario && r.targetKey().equals(referenceKey))
                .collect(Collectors.toMap(RoundResult::round, r -> r, (first, again) -> first));
        List<Double> ratios = new ArrayList<>();
        for (RoundResult r : results) {
            RoundResult other = reference.get(r.round());
            if (r.scenario().number() != scenario || !r.targetKey().equals(key) || other == null) {
                continue;
            }
            double ratio = figure.applyAsDouble(r.measurement()) / figure.applyAsDouble(other.measurement());
            if (Double.isFinite(ratio)) {
                ratios.add(ratio);
            }
        }
        double[] values = ratios.stream().mapToDouble(Double::doubleValue).toArray();
        return new RoundRatios(values.length, Stats.min(values), Stats.max(values));
    }

    /** Ratios on both sides of 1 (or at it): no round-by-round order between the two. */
    boolean level() {
        return pairs >= 2 && min <= 1 && max >= 1;
    }

    /** "; round by round 0.92x-1.04x, level within the rounds' spread", or nothing with fewer than two rounds. */
    String describe() {
        if (pairs < 2) {
            return "";
        }
        return String.format(Locale.ROOT, "; round by round %.2fx-%.2fx%s", min, max,
                level() ? ", level within the rounds' spread" : "");
    }
}
