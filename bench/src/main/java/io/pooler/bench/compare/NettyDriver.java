package io.pooler.bench.compare;

import io.pooler.bench.load.Credentials;
import io.pooler.bench.load.Endpoint;
import io.pooler.bench.load.LoadGenerator;
import io.pooler.bench.load.LoadResult;
import io.pooler.bench.load.LoadSpec;
import io.pooler.bench.load.Pacing;
import io.pooler.bench.load.TransactionScript;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Runs a scenario with the bench's own event-driven client: the many-client scenarios, and any
 * scenario when pgbench is not installed.
 */
final class NettyDriver implements Driver {
    /** Time for a ramp step's last logins to settle before the target's memory is sampled. */
    private static final Duration SETTLE = Duration.ofSeconds(1);
    /** Time for the last logins' transactions to get going before the measurement starts. */
    private static final Duration SETTLE_BEFORE_MEASURING = Duration.ofMillis(200);
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
    private static final int CLIENT_THREADS = 2;

    private final String database;
    private final Credentials credentials;
    private final int scale;

    NettyDriver(String database, Credentials credentials, int scale) {
        this.database = database;
        this.credentials = credentials;
        this.scale = scale;
    }

    @Override
    public String name() {
        return "bench client";
    }

    @Override
    public Measurement run(Scenario scenario, Target target, Duration duration) throws Exception {
        Endpoint endpoint = new Endpoint("127.0.0.1", target.port(), database, credentials);
        TransactionScript script = scenario.tpcb() ? TransactionScript.tpcbLike(scale) : TransactionScript.selectOnly(scale);
        LoadSpec spec = LoadSpec.closedLoop(endpoint, scenario.clients(), script, scenario.protocol())
                .withPacing(scenario.closedLoop() ? Pacing.closedLoop() : Pacing.fixedRate(scenario.ratePerSecond()))
                .withConnectPerTransaction(scenario.connectPerTransaction())
                .withEventLoops(CLIENT_THREADS)
                .withApplicationNames(scenario.applicationNames());
        OptionalLong pid = target.pid();
        boolean sampleMemory = scenario.memorySteps() > 0 && pid.isPresent();
        List<double[]> memory = new ArrayList<>();
        try (LoadGenerator load = LoadGenerator.start(spec)) {
            load.connect(Math.max(1, scenario.memorySteps()), STEP_TIMEOUT, clients -> {
                if (sampleMemory) {
                    sleep(SETTLE);
                    memory.add(new double[] {clients, residentBytes(target)});
                }
            });
            sleep(SETTLE_BEFORE_MEASURING);
            RunCpu cpu = RunCpu.start(pid);
            LoadResult result = load.measure(duration);
            RunCpu.Used used = cpu.stop();
            double perClient = memory.size() >= 2
                    ? Stats.slope(memory.stream().mapToDouble(p -> p[0]).toArray(), memory.stream().mapToDouble(p -> p[1]).toArray())
                    : Double.NaN;
            List<String> samples = new ArrayList<>(result.errorSamples());
            // Every error counts, a failed login while ramping up as much as a failed query.
            long errors = load.errorsSinceStart();
            if (result.stalledClients() > 0) {
                errors += result.stalledClients();
                samples.add(result.stalledClients() + " clients waited longer than the whole run for an answer");
            }
            return new Measurement(result.tps(), result.transactions(), errors, samples, result.latencyMicros(), used.seconds(),
                    used.compilerSeconds(),
                    perClient, memory.isEmpty() ? Double.NaN : memory.get(memory.size() - 1)[1], name());
        }
    }

    private static long residentBytes(Target target) {
        try {
            return target.residentBytes();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the memory of " + target.name() + ": " + e.getMessage(), e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
