package io.pooler.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessStatsTest {

    @Test
    void addsUserAndSystemTimeAfterACommandNameWithSpacesAndParentheses() {
        String stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 3 0 100 1000000 500";

        assertEquals(3.25, ProcessStats.parseCpuSeconds(stat), 1e-9);
    }

    @Test
    void readsTheSessionAfterACommandNameWithSpacesAndParentheses() {
        String stat = "4242 (my (odd) name) S 1 4240 4241 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 3 0 100 1000000 500";

        assertEquals(4241, ProcessStats.parseSessionId(stat));
    }

    @Test
    void readsVmRssInKilobytes() {
        String status = "Name:\tjava\nVmPeak:\t  900 kB\nVmRSS:\t   20480 kB\nThreads:\t12\n";

        assertEquals(20480L * 1024, ProcessStats.parseRssBytes(status));
    }

    @Test
    void readsThisProcess() throws Exception {
        long pid = ProcessHandle.current().pid();

        assertTrue(ProcessStats.cpuSeconds(pid) > 0);
        assertTrue(ProcessStats.rssBytes(pid) > 10L * 1024 * 1024, "a JVM takes more than 10 MB");
    }

    @Test
    void knowsTheJitCompilerThreadsByTheirNameAsTheKernelKeepsIt() {
        assertTrue(ProcessStats.isCompilerThread("C2 CompilerThre\n"));
        assertTrue(ProcessStats.isCompilerThread("C1 CompilerThre"));
        assertFalse(ProcessStats.isCompilerThread("pooler-1-1"));
        assertFalse(ProcessStats.isCompilerThread("VM Thread"));
    }

    @Test
    void countsWhatEachCompilerThreadUsedBetweenTwoSamplesIncludingOneThatStartedBetweenThem() {
        Map<Long, Long> before = Map.of(10L, 500L, 11L, 40L);
        Map<Long, Long> after = Map.of(10L, 650L, 11L, 40L, 12L, 25L);

        assertEquals(1.75, ProcessStats.compilerSecondsBetween(before, after), 1e-9);
    }

    @Test
    void readsTheCompilerThreadsOfThisJvmWhichHasCompiledSomethingByNow() throws Exception {
        Map<Long, Long> ticks = ProcessStats.compilerTicks(ProcessHandle.current().pid());

        assertFalse(ticks.isEmpty(), "a HotSpot JVM has at least one compiler thread");
    }
}
