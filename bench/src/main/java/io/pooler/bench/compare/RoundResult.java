package io.pooler.bench.compare;

/** One target's measurement in one round of one scenario. */
public record RoundResult(Scenario scenario, String targetKey, String targetName, int round, Measurement measurement) {
}
