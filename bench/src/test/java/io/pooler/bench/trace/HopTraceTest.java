package io.pooler.bench.trace;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench/hop-trace.py}, the analysis behind {@code bench/hop-trace.sh}, on a hand-written trace of
 * two hops whose steps have known lengths: a query hop whose tail is preempted by the PostgreSQL
 * backend it woke, and the reply hop that follows once the tail is done.
 */
class HopTraceTest {
    private static final Path SCRIPT = Path.of("hop-trace.py");
    private static final Path TRACE = Path.of("src/test/resources/hop-trace/two-hops.txt");

    @Test
    void eachStepIsTheMedianOfTheHopsAndThePreemptedTailIsCountedApart() throws Exception {
        Run run = run(SCRIPT.toString(), TRACE.toString(), "100", "200");
        assertEquals(0, run.exitCode(), run.output());
        String out = run.output();

        assertTrue(out.startsWith("thread 200 of process 100, 2 sends"), out);
        // the reply hop starts when the preempted tail waits again (at 110 us), not when it was switched in (100)
        assertStep(out, "switch-in -> epoll returns", "3.5", 2);
        assertStep(out, "epoll -> recv", "4.0", 2);
        assertStep(out, "recv ", "1.0", 2);
        assertStep(out, "recv -> send (own work)", "9.0", 2);
        assertStep(out, "send ", "5.5", 2);
        assertStep(out, "tail after a send, not preempted", "3.0", 1);
        // 2 us before PostgreSQL preempted it, 10 us after it ran again
        assertStep(out, "tail after a send, preempted", "12.0", 1);
        assertTrue(out.contains("preempted during the tail: 50% of tails; by {'postgres': 1}"), out);
    }

    @Test
    void aTraceWithoutTheProcessSaysSo() throws Exception {
        Run run = run(SCRIPT.toString(), TRACE.toString(), "100", "999");

        assertEquals(1, run.exitCode(), run.output());
        assertTrue(run.output().contains("no send by process 100"), run.output());
    }

    private static void assertStep(String out, String step, String median, int n) {
        String line = out.lines().filter(l -> l.trim().startsWith(step)).findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + step + " in:\n" + out));
        assertTrue(line.contains("median " + " ".repeat(6 - median.length()) + median + " us"), line);
        assertTrue(line.endsWith("(n=" + n + ")"), line);
    }

    private record Run(int exitCode, String output) {
    }

    /** Runs {@code python3 args...} and waits for it. */
    private static Run run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "hop-trace.py did not finish");
        return new Run(p.exitValue(), out);
    }
}
