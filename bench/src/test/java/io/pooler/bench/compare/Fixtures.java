package io.pooler.bench.compare;

import io.pooler.bench.load.Protocol;
import org.HdrHistogram.Histogram;

import java.util.List;

/** Made-up measurements for the tests of the summary, the table, the checks, the files and the plot. */
final class Fixtures {
    static final Scenario SELECT_ONLY = Scenarios.standard().get(0);
    static final Scenario NEW_CONNECTIONS = Scenarios.standard().get(2);
    static final Scenario FIXED_RATE = Scenarios.standard().get(3);
    static final Scenario IDLE = Scenarios.standard().get(4);

    private Fixtures() {
    }

    /** A histogram of {@code count} latencies spread evenly from {@code fromMicros} to {@code toMicros}. */
    static Histogram latencies(long fromMicros, long toMicros, int count) {
        Histogram h = new Histogram(3);
        for (int i = 0; i < count; i++) {
            h.recordValue(fromMicros + (toMicros - fromMicros) * i / Math.max(1, count - 1));
        }
        return h;
    }

    static Measurement measurement(double tps, long fromMicros, long toMicros, double cpuSeconds, double memoryPerClient) {
        int transactions = (int) Math.round(tps * 10);
        return new Measurement(tps, transactions, 0, List.of(), latencies(fromMicros, toMicros, transactions), cpuSeconds,
                0, memoryPerClient, Double.NaN, "pgbench");
    }

    static RoundResult round(Scenario s, String key, int round, Measurement m) {
        String name = switch (key) {
            case "direct" -> "PostgreSQL 17";
            case "pgbouncer" -> "PgBouncer 1.18.0";
            default -> "Pooler 0.1.0";
        };
        return new RoundResult(s, key, name, round, m);
    }

    static Scenario prepared() {
        return Scenarios.standard().stream().filter(s -> s.protocol() == Protocol.PREPARED).findFirst().orElseThrow();
    }
}
