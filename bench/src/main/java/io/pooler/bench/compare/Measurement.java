package io.pooler.bench.compare;

import org.HdrHistogram.Histogram;

import java.util.List;

/**
 * What one run of one scenario against one target measured.
 *
 * @param latencyMicros every transaction of the run, in microseconds
 * @param poolerCpuSeconds CPU seconds the pooler process used during the run; NaN for PostgreSQL alone
 * @param compilerCpuSeconds of those, what the JVM's JIT compiler threads used (0 for PgBouncer; NaN
 *                           for PostgreSQL alone): a JVM that has not finished compiling its hot code
 *                           still pays for it in the run
 * @param memoryPerClientBytes slope of the pooler's RSS over connected clients; NaN unless measured
 * @param residentBytes the pooler's RSS with every client connected, where the slope is measured; NaN otherwise
 * @param driver {@code pgbench} or {@code bench client}
 */
public record Measurement(double tps, long transactions, long errors, List<String> errorSamples, Histogram latencyMicros,
                          double poolerCpuSeconds, double compilerCpuSeconds, double memoryPerClientBytes, double residentBytes,
                          String driver) {

    public Measurement {
        errorSamples = List.copyOf(errorSamples);
    }

    /** Pooler CPU seconds per 1,000 transactions; NaN when not measured or nothing completed. */
    public double cpuSecondsPer1000() {
        return transactions > 0 ? poolerCpuSeconds / transactions * 1000 : Double.NaN;
    }

    /** The JIT compiler threads' share of the pooler's CPU in the run; NaN when not measured. */
    public double compilerShare() {
        return poolerCpuSeconds > 0 ? compilerCpuSeconds / poolerCpuSeconds : Double.NaN;
    }

    /** A run that could not be made: nothing completed, and why. */
    public static Measurement failed(String driver, String why) {
        return new Measurement(0, 0, 1, List.of(why), new Histogram(3), Double.NaN, Double.NaN, Double.NaN, Double.NaN, driver);
    }
}
