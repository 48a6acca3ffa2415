package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started by a test, with stdout and stderr merged and collected, so the test can wait for a
 * line, send it signals with kill(1) and check how it ended. Always {@link #close()} it.
 */
final class ChildJvm implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final StringBuffer output = new StringBuffer();

    private ChildJvm(Process process) {
        this.process = process;
        Thread reader = new Thread(this::collect, "child-jvm-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** The java command line that runs {@code mainClass} on this test's class path. */
    static List<String> javaCommand(List<String> jvmOptions, Class<?> mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return command;
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static ChildJvm start(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove(SignalDispatcher.SR_SIGNUM_ENV);
        builder.environment().remove(Daemonizer.CHILD_ENV);
        builder.environment().putAll(environment);
        return new ChildJvm(builder.start());
    }

    long pid() {
        return process.pid();
    }

    String output() {
        return output.toString();
    }

    /** Waits until the output contains {@code text} and returns the output; fails after {@link #TIMEOUT}. */
    String await(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (output.indexOf(text) >= 0) {
                return output();
            }
            if (!process.isAlive() && output.indexOf(text) < 0) {
                Thread.sleep(100); // let the reader drain what the process wrote last
                if (output.indexOf(text) >= 0) {
                    return output();
                }
                fail("process exited with " + process.exitValue() + " before printing '" + text + "':\n" + output());
            }
            Thread.sleep(20); // the poll of a deadline loop that also fails early when the process dies
        }
        return fail("no '" + text + "' within " + TIMEOUT.toSeconds() + " s:\n" + output());
    }

    void kill(String signal) throws IOException, InterruptedException {
        sendSignal(signal, pid());
    }

    static void sendSignal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(pid)).inheritIO().start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            fail("kill -s " + signal + " " + pid + " failed");
        }
    }

    /** The exit status, or a failure if the process is still running after {@link #TIMEOUT}. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("process still running after " + TIMEOUT.toSeconds() + " s:\n" + output());
        }
        return process.exitValue();
    }

    /** Whether the process ended within {@code seconds}. */
    boolean waitFor(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

        boolean isAlive() {
        return process.isAlive();
    }

    private void collect() {
        byte[] buffer = new byte[4096];
        try (InputStream in = process.getInputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            output.append("\n[reading output failed: ").append(e).append("]\n");
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }
}
