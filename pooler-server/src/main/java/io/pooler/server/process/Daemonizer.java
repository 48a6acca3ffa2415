package io.pooler.server.process;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * {@code -d}: run in the background. PgBouncer forks; a JVM cannot, so the parent starts a detached
 * copy of itself and waits for it:
 * <ul>
 *   <li>the same java binary, JVM options and class path, the given main class and arguments
 *   ({@link io.pooler.server.cli.StartOptions#daemonChildArguments()}: without {@code -d}, and with
 *   {@code -q}, as a daemon logs to its logfile only);</li>
 *   <li>in a new session through {@code setsid(1)} when it exists, so the terminal's hangup and Ctrl-C
 *   never reach it; stdin from /dev/null, stdout and stderr appended to the logfile (JVM messages and
 *   crash reports land there) or discarded without one;</li>
 *   <li>{@value #CHILD_ENV}=1 in its environment, and {@code _JAVA_SR_SIGNUM=64} unless set, so that
 *   even under plain {@code java -jar} the daemon's SIGUSR2 is not shared with HotSpot (see
 *   {@link SignalDispatcher}).</li>
 * </ul>
 * The parent returns once the child has written the pidfile, which the server does when it listens.
 * If the child dies first, the parent fails with what the child wrote to the logfile. So unlike
 * PgBouncer's, our {@code -d} exits non-zero when the daemon could not start.
 *
 * <p>The working directory stays the same (PgBouncer does not chdir either), so relative paths in the
 * config keep their meaning.
 */
public final class Daemonizer {
    /** Set to 1 in the daemon child's environment. */
    public static final String CHILD_ENV = "POOLER_DAEMON_CHILD";

    private static final Duration POLL = Duration.ofMillis(50);
    private static final int FAILURE_OUTPUT_LIMIT = 4096;

    private final Class<?> mainClass;
    private final Duration readyTimeout;

    /** @param mainClass the class whose {@code main} the child runs with the child arguments */
    public Daemonizer(Class<?> mainClass) {
        this(mainClass, Duration.ofSeconds(60));
    }

    /** @param readyTimeout how long the child may take to write the pidfile before the parent gives up */
    public Daemonizer(Class<?> mainClass, Duration readyTimeout) {
        this.mainClass = mainClass;
        this.readyTimeout = readyTimeout;
    }

    /** Whether this process is a daemon child started by {@link #detach}. */
    public static boolean isDaemonChild() {
        return "1".equals(System.getenv(CHILD_ENV));
    }

    /**
     * Starts the daemon child and waits until it has written {@code pidfile}. The caller then exits 0.
     *
     * @param childArgs the command line for the child, without {@code -d}
     * @param pidfile   the {@code pidfile} setting; required, as in PgBouncer
     * @param logfile   the {@code logfile} setting; the child's stdout and stderr are appended to it
     * @throws StartupException when there is no pidfile, another instance owns it, or the child did not
     *                          come up; the message includes the child's last output
     */
    public void detach(List<String> childArgs, Optional<Path> pidfile, Optional<Path> logfile) throws StartupException {
        if (pidfile.isEmpty()) {
            throw new StartupException("daemon needs pidfile configured");
        }
        if (isDaemonChild()) {
            throw new StartupException("already running as a daemon; -d must not reach the daemon child");
        }
        Pidfile.claim(pidfile.get());
        long logOffset = logfile.map(Daemonizer::sizeOf).orElse(0L);
        Process child;
        try {
            child = processBuilder(childArgs, logfile).start();
        } catch (IOException e) {
            throw new StartupException("could not start the daemon process: " + e.getMessage(), e);
        }
        awaitPidfile(child, pidfile.get(), logfile, logOffset);
    }

    ProcessBuilder processBuilder(List<String> childArgs, Optional<Path> logfile) {
        List<String> command = new ArrayList<>();
        setsid().ifPresent(command::add);
        command.add(javaBinary());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(childArgs);

        ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectInput(new File("/dev/null"));
        builder.redirectErrorStream(true);
        builder.redirectOutput(logfile.map(file -> ProcessBuilder.Redirect.appendTo(file.toFile()))
                .orElse(ProcessBuilder.Redirect.DISCARD));
        Map<String, String> env = builder.environment();
        // The launcher already put these options into the JVM arguments copied above; passing them
        // again would apply them twice and print "Picked up ..." into the logfile.
        env.remove("JDK_JAVA_OPTIONS");
        env.remove("JAVA_TOOL_OPTIONS");
        env.put(CHILD_ENV, "1");
        if (isLinux()) {
            env.putIfAbsent(SignalDispatcher.SR_SIGNUM_ENV, "64");
        }
        return builder;
    }

    private void awaitPidfile(Process child, Path pidfile, Optional<Path> logfile, long logOffset) throws StartupException {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            OptionalLong pid = readPid(pidfile);
            if (pid.isPresent() && Pidfile.isAlive(pid.getAsLong())) {
                return;
            }
            // An exit status of 0 is setsid(1) having forked (it does when started as a group leader):
            // the real child goes on, so keep waiting for its pidfile.
            if (!child.isAlive() && child.exitValue() != 0) {
                throw new StartupException("daemon process exited with status " + child.exitValue()
                        + " before writing its pidfile" + childOutput(logfile, logOffset));
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for the daemon process");
            }
        }
        child.destroy();
        throw new StartupException("daemon process did not write pidfile '" + pidfile + "' within "
                + readyTimeout.toSeconds() + " s; stopped it" + childOutput(logfile, logOffset));
    }

    private static OptionalLong readPid(Path pidfile) throws StartupException {
        try {
            return Pidfile.readPid(pidfile);
        } catch (IOException e) {
            throw new StartupException("could not read pidfile '" + pidfile + "': " + e.getMessage(), e);
        }
    }

    // What the child appended to the logfile: its log lines and anything the JVM printed.
    private static String childOutput(Optional<Path> logfile, long offset) {
        if (logfile.isEmpty()) {
            return " (no logfile configured to show why; run without -d to see)";
        }
        try (InputStream in = Files.newInputStream(logfile.get())) {
            in.skipNBytes(Math.min(offset, sizeOf(logfile.get())));
            byte[] appended = in.readAllBytes();
            int from = Math.max(0, appended.length - FAILURE_OUTPUT_LIMIT);
            String text = new String(appended, from, appended.length - from, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "" : ":\n" + text;
        } catch (IOException e) {
            return " (see " + logfile.get() + ")";
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static Optional<String> setsid() {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
        return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/bin", "/bin"))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "setsid"))
                .filter(Files::isExecutable)
                .map(Path::toString)
                .findFirst();
    }

    private static boolean isLinux() {
        return System.getProperty("os.name", "").startsWith("Linux");
    }
}
