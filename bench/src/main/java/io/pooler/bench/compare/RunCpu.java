package io.pooler.bench.compare;

import java.io.IOException;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A pooler process's CPU over one run, read from /proc before and after it: all its threads, and apart
 * the JVM's JIT compiler threads, whose work is part of the total but falls off once the code it
 * compiles is hot. NaN for a target without a process of its own (PostgreSQL alone).
 */
public final class RunCpu {
    private final OptionalLong pid;
    private final double secondsBefore;
    private final Map<Long, Long> compilerBefore;

    private RunCpu(OptionalLong pid) throws IOException {
        this.pid = pid;
        this.secondsBefore = pid.isPresent() ? ProcessStats.cpuSeconds(pid.getAsLong()) : Double.NaN;
        this.compilerBefore = pid.isPresent() ? ProcessStats.compilerTicks(pid.getAsLong()) : Map.of();
    }

    public static RunCpu start(OptionalLong pid) throws IOException {
        return new RunCpu(pid);
    }

    /** What the process used since {@link #start}. */
    public Used stop() throws IOException {
        if (pid.isEmpty()) {
            return new Used(Double.NaN, Double.NaN);
        }
        long p = pid.getAsLong();
        return new Used(ProcessStats.cpuSeconds(p) - secondsBefore,
                ProcessStats.compilerSecondsBetween(compilerBefore, ProcessStats.compilerTicks(p)));
    }

    /**
     * @param seconds user plus system CPU seconds of the whole process
     * @param compilerSeconds of which the JIT compiler threads used (a lower bound: see
     *                        {@link ProcessStats#compilerSecondsBetween}); 0 for a process that is not a JVM
     */
    public record Used(double seconds, double compilerSeconds) {
        /** The compiler threads' part of {@link #seconds}; NaN when nothing was used or measured. */
        public double compilerShare() {
            return seconds > 0 ? compilerSeconds / seconds : Double.NaN;
        }
    }
}
