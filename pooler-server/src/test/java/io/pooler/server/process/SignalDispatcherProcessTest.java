package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pooler.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends real signals with kill(1) to a JVM running {@link SignalProbeMain}, started the three ways that
 * matter: through the launcher script, with plain java, and with signals ignored since startup as nohup
 * or a script's {@code &} leave them.
 */
@Timeout(90)
class SignalDispatcherProcessTest {
    private static final Path LAUNCHER = Path.of("src/main/dist/pooler");

    @TempDir
    Path temp;

    @Test
    void launcherScriptGivesEverySignalPgBouncersMeaning() throws Exception {
        try (ChildJvm probe = startThroughLauncher()) {
            String started = probe.await("ready ");
            assertTrue(started.contains("handled [SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGQUIT]"), started);
            assertFalse(started.contains("WARNING"), started);

            signalAndAwait(probe, "HUP", "lifecycle reload");
            signalAndAwait(probe, "USR1", "lifecycle pause");
            signalAndAwait(probe, "USR2", "lifecycle resume");
            signalAndAwait(probe, "TERM", "lifecycle shutdownWaitForClients");
            signalAndAwait(probe, "TERM", "lifecycle shutdownImmediate");
            assertTrue(probe.output().contains("LOG got SIGTERM while shutting down, fast exit"), probe.output());

            // jcmd wakes a JVM's attach listener with SIGQUIT unless its socket exists; the launcher's
            // -XX:+StartAttachListener creates it at startup, so jcmd does not end the process.
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(probe.pid()), "VM.uptime").redirectErrorStream(true).start();
            assertTrue(jcmd.waitFor(ChildJvm.TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(0, jcmd.exitValue(), new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertTrue(probe.isAlive(), probe.output());

            probe.kill("QUIT");
            assertEquals(3, probe.awaitExit(), probe.output());
            assertFalse(probe.output().contains("Full thread dump"), probe.output());
        }
    }

    @Test
    void launcherScriptSigintWaitsForServersThenASecondExitsAtOnce() throws Exception {
        try (ChildJvm probe = startThroughLauncher()) {
            probe.await("ready ");
            signalAndAwait(probe, "INT", "lifecycle shutdownWaitForServers");
            assertTrue(probe.output().contains(
                    "LOG got SIGINT, shutting down, waiting for all servers connections to be released"), probe.output());
            signalAndAwait(probe, "INT", "lifecycle shutdownImmediate");
            signalAndAwait(probe, "USR2", "got SIGUSR2 while shutting down, ignoring");
            assertFalse(probe.output().contains("lifecycle resume"), probe.output());
        }
    }

    @Test
    void plainJavaTakesSigusr2WithAWarningAndLeavesSigquitToTheJvm() throws Exception {
        try (ChildJvm probe = ChildJvm.start(ChildJvm.javaCommand(List.of(), SignalProbeMain.class), Map.of())) {
            String started = probe.await("ready ");
            assertTrue(started.contains("handled [SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2]"), started);
            List<String> warnings = started.lines().filter(line -> line.contains(" WARNING ")).toList();
            assertEquals(1, warnings.size(), started);
            assertTrue(warnings.get(0).contains("SIGUSR2 is also HotSpot's thread suspend signal"), started);
            assertTrue(warnings.get(0).contains("SIGQUIT prints a JVM thread dump instead of exiting"), started);

            signalAndAwait(probe, "HUP", "lifecycle reload");
            signalAndAwait(probe, "USR1", "lifecycle pause");
            signalAndAwait(probe, "USR2", "lifecycle resume");
            probe.kill("QUIT");
            probe.await("Full thread dump");
            signalAndAwait(probe, "TERM", "lifecycle shutdownWaitForClients");
            assertTrue(probe.isAlive(), probe.output());
        }
    }

    @Test
    void signalsIgnoredSinceStartupAreTakenBack() throws Exception {
        // trap "" makes the shell ignore them, and exec keeps that for java, as nohup or '&' in a script do.
        List<String> command = new ArrayList<>(List.of("sh", "-c", "trap '' HUP INT TERM; exec \"$@\"", "sh"));
        command.addAll(ChildJvm.javaCommand(List.of(), SignalProbeMain.class));
        try (ChildJvm probe = ChildJvm.start(command, Map.of())) {
            String started = probe.await("ready ");
            assertTrue(started.contains("handled [SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2]"), started);
            for (String signal : List.of("SIGHUP", "SIGINT", "SIGTERM")) {
                assertTrue(started.contains("LOG " + signal + " was ignored since startup (nohup?); handling it anyway"), started);
            }
            signalAndAwait(probe, "HUP", "lifecycle reload");
            signalAndAwait(probe, "INT", "lifecycle shutdownWaitForServers");
            signalAndAwait(probe, "TERM", "lifecycle shutdownImmediate");
        }
    }

    private ChildJvm startThroughLauncher() throws IOException {
        Path jar = ProbeJar.write(temp, SignalProbeMain.class);
        Map<String, String> env = Map.of("POOLER_JAR", jar.toString(), "JAVA_HOME", System.getProperty("java.home"));
        return ChildJvm.start(List.of("sh", LAUNCHER.toString()), env);
    }

    private static void signalAndAwait(ChildJvm probe, String signal, String expected) throws Exception {
        int before = count(probe.output(), expected);
        probe.kill(signal);
        Await.until(ChildJvm.TIMEOUT, () -> count(probe.output(), expected) > before,
                () -> "'" + expected + "' after SIG" + signal + ":\n" + probe.output());
        assertEquals(before + 1, count(probe.output(), expected), "after SIG" + signal + ":\n" + probe.output());
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            n++;
        }
        return n;
    }
}
