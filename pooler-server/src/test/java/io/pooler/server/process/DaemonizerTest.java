package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pooler.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Starts {@link DaemonProbeMain} in daemon mode and checks what PgBouncer's -d promises, on Linux's /proc. */
@Timeout(60)
class DaemonizerTest {
    @TempDir
    Path temp;

    @Test
    void parentExitsZeroOnceTheDetachedChildHasWrittenThePidfile() throws Exception {
        Path pidfile = temp.resolve("pooler.pid");
        Path logfile = temp.resolve("pooler.log");
        List<String> command = ChildJvm.javaCommand(List.of("-Xmx64m", "-Dprobe.marker=kept"),
                DaemonProbeMain.class, pidfile.toString(), logfile.toString());
        ProcessHandle daemon = null;
        try (ChildJvm parent = ChildJvm.start(command, Map.of())) {
            assertEquals(0, parent.awaitExit(), parent.output());
            OptionalLong pid = Pidfile.readPid(pidfile);
            assertTrue(pid.isPresent(), "no pidfile after the parent exited");
            daemon = ProcessHandle.of(pid.getAsLong()).orElseThrow();
            assertTrue(daemon.isAlive());
            assertNotEquals(parent.pid(), daemon.pid());

            long session = procStatField(daemon.pid(), 3);
            assertEquals(daemon.pid(), session, "setsid made the daemon lead a session of its own");
            assertNotEquals(procStatField(ProcessHandle.current().pid(), 3), session);

            String cmdline = procFile(daemon.pid(), "cmdline").replace('\0', ' ');
            assertTrue(cmdline.contains("-Xmx64m -Dprobe.marker=kept "), cmdline);
            String environ = procFile(daemon.pid(), "environ");
            assertTrue(environ.contains("\0POOLER_DAEMON_CHILD=1\0") || environ.startsWith("POOLER_DAEMON_CHILD=1\0"), environ);
            assertTrue(environ.contains("_JAVA_SR_SIGNUM=64"), environ);
            assertEquals(Path.of("/dev/null"), Files.readSymbolicLink(Path.of("/proc", daemon.pid() + "", "fd", "0")));
            assertEquals(logfile.toRealPath(), Files.readSymbolicLink(Path.of("/proc", daemon.pid() + "", "fd", "1")));
            assertEquals(logfile.toRealPath(), Files.readSymbolicLink(Path.of("/proc", daemon.pid() + "", "fd", "2")));

            awaitContent(logfile, "daemon child running as " + daemon.pid());

            daemon.destroy();
            daemon.onExit().get(10, TimeUnit.SECONDS);
            assertFalse(Files.exists(pidfile), "the daemon removes its pidfile when it exits");
        } finally {
            if (daemon != null) {
                daemon.destroyForcibly();
            }
        }
    }

    @Test
    void parentFailsWithTheChildsErrorWhenTheChildDiesBeforeThePidfile() throws Exception {
        Path pidfile = temp.resolve("pooler.pid");
        Path logfile = temp.resolve("pooler.log");
        Files.writeString(logfile, "an earlier run's line\n");
        List<String> command = ChildJvm.javaCommand(List.of(), DaemonProbeMain.class,
                pidfile.toString(), logfile.toString(), "fail");
        try (ChildJvm parent = ChildJvm.start(command, Map.of())) {
            assertEquals(1, parent.awaitExit(), parent.output());
            String output = parent.output();
            assertTrue(output.contains("pooler: daemon process exited with status 2 before writing its pidfile:\n"
                    + "probe failure: could not bind 127.0.0.1:6432: address already in use"), output);
            assertFalse(output.contains("an earlier run's line"), output);
        }
        assertFalse(Files.exists(pidfile));
    }

    @Test
    void refusesWithoutPidfileAsPgBouncerDoes() {
        Daemonizer daemonizer = new Daemonizer(DaemonProbeMain.class, Duration.ofSeconds(1));
        StartupException refused = assertThrows(StartupException.class,
                () -> daemonizer.detach(List.of("x.ini"), Optional.empty(), Optional.empty()));
        assertEquals("daemon needs pidfile configured", refused.getMessage());
    }

    @Test
    void refusesWhenAnotherInstanceOwnsThePidfile() throws IOException {
        Path pidfile = temp.resolve("pooler.pid");
        Files.writeString(pidfile, ProcessHandle.current().parent().orElseThrow().pid() + "\n");
        Daemonizer daemonizer = new Daemonizer(DaemonProbeMain.class, Duration.ofSeconds(1));
        StartupException refused = assertThrows(StartupException.class,
                () -> daemonizer.detach(List.of("x.ini"), Optional.of(pidfile), Optional.empty()));
        assertEquals("pidfile '" + pidfile + "' exists, another instance running?", refused.getMessage());
    }

    @Test
    void childCommandRepeatsThisJvmWithoutItsLauncherEnvironment() {
        ProcessBuilder builder = new Daemonizer(DaemonProbeMain.class)
                .processBuilder(List.of("-q", "--", "pooler.ini"), Optional.empty());
        List<String> command = builder.command();
        int java = command.get(0).endsWith("setsid") ? 1 : 0;
        assertEquals(ProcessHandle.current().info().command().orElseThrow(), command.get(java));
        assertEquals(List.of("-cp", System.getProperty("java.class.path"), DaemonProbeMain.class.getName(),
                "-q", "--", "pooler.ini"), command.subList(command.size() - 6, command.size()));
        assertFalse(builder.environment().containsKey("JAVA_TOOL_OPTIONS"));
        assertFalse(builder.environment().containsKey("JDK_JAVA_OPTIONS"));
        assertEquals(ProcessBuilder.Redirect.DISCARD, builder.redirectOutput());
    }

    // Fields of /proc/PID/stat after "pid (comm)", which may itself hold spaces: 0 is the state, 3 the session.
    private static long procStatField(long pid, int field) throws IOException {
        String stat = procFile(pid, "stat");
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[field]);
    }

    private static String procFile(long pid, String name) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), name)), StandardCharsets.UTF_8);
    }

    private static void awaitContent(Path file, String text) {
        Await.until(ChildJvm.TIMEOUT, Await.quietly(() -> Files.exists(file) && Files.readString(file).contains(text)),
                () -> "no '" + text + "' in " + file + ":\n" + contentOf(file));
    }

    private static String contentOf(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
