package io.pooler.bench.compare;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A pooler run as its own process, so that its CPU time and memory can be read from /proc alone.
 * Each scenario gets a fresh process with that scenario's configuration, in its own directory.
 */
public abstract class ProcessTarget implements Target {
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final int LOG_TAIL_LINES = 20;
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final Path workDir;
    protected final Backend backend;
    private Process process;
    private int port;
    private Path logFile;

    /** The PostgreSQL behind the pooler, and the role the clients log in as. */
    public record Backend(String host, int port, String database, String user, String verifier) {
    }

    ProcessTarget(Path workDir, Backend backend) {
        this.workDir = workDir;
        this.backend = backend;
    }

    /** The command line that runs the pooler with this config file. */
    protected abstract List<String> command(Path configFile) throws IOException;

    /** Lines for this pooler's [pgbouncer] section only, after the ones both poolers share. */
    protected String extraSettings() {
        return "";
    }

    /** Variables for the process's environment, besides this process's own. */
    protected Map<String, String> environment(Path configFile) throws IOException {
        return Map.of();
    }

    /** Lets the process read its files, when it runs as another user. */
    protected void prepareFiles(Path dir) throws IOException {
    }

    @Override
    public boolean supports(Scenario scenario) {
        return true;
    }

    @Override
    public void start(Scenario scenario) throws Exception {
        start(key() + "-" + scenario.number(),
                port -> PoolerIni.render(scenario, port, backend.host(), backend.port(), backend.database(), userlistPath(scenario)),
                PoolerIni.userlist(backend.user(), backend.verifier()));
    }

    private Path userlistPath(Scenario scenario) {
        return workDir.resolve(key() + "-" + scenario.number()).resolve("userlist.txt");
    }

    /**
     * Starts the pooler on a configuration of the caller's, in {@code dirName} under the work directory:
     * {@code iniForPort} renders the ini for the port it is to listen on (the userlist is
     * {@code userlist.txt} next to it), then this pooler's extra settings are appended.
     */
    public void start(String dirName, java.util.function.IntFunction<String> iniForPort, String userlistText)
            throws Exception {
        stop();
        Path dir = Files.createDirectories(workDir.resolve(dirName));
        port = freePort();
        Files.writeString(dir.resolve("userlist.txt"), userlistText);
        Path ini = dir.resolve(key() + ".ini");
        Files.writeString(ini, iniForPort.apply(port) + extraSettings());
        logFile = dir.resolve(key() + ".log");
        prepareFiles(dir);
        ProcessBuilder builder = new ProcessBuilder(inOwnSession(command(ini)));
        builder.environment().putAll(environment(ini));
        process = builder
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        awaitListening();
    }

    /**
     * The command run by {@code setsid}, so that the pooler leads a session of its own, as it does in
     * production (PgBouncer daemonised with {@code -d}, or either pooler as a systemd service). Linux's
     * autogroup scheduler (on by default) weighs each session as one group: left in the bench's session,
     * a pooler would share one group's CPU with the load generator, and the PostgreSQL backend it wakes
     * would preempt it about twice as often (README, "Each hop, measured with kernel tracepoints").
     * {@code setsid} execs the command in place (the bench's child leads no process group), so the pid
     * the bench measures is the pooler's.
     */
    static List<String> inOwnSession(List<String> command) {
        if (!Files.isExecutable(SETSID)) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(command.size() + 1);
        wrapped.add(SETSID.toString());
        wrapped.addAll(command);
        return wrapped;
    }

    /** The ini the pooler runs on, in {@code dirName}. */
    public Path configFile(String dirName) {
        return workDir.resolve(dirName).resolve(key() + ".ini");
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public OptionalLong pid() {
        return process != null && process.isAlive() ? OptionalLong.of(process.pid()) : OptionalLong.empty();
    }

    @Override
    public long residentBytes() throws IOException {
        return ProcessStats.rssBytes(requirePid());
    }

    protected long requirePid() {
        return pid().orElseThrow(() -> new IllegalStateException(name() + " is not running; " + logTail()));
    }

    @Override
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name() + " exited with " + process.exitValue() + " at startup; " + logTail());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        stop();
        throw new IOException(name() + " did not listen on port " + port + " within " + STARTUP_TIMEOUT.toSeconds()
                + " s; " + logTail());
    }

    /** The last lines of the process's output, for error messages. */
    public String logTail() {
        try {
            if (logFile == null || !Files.exists(logFile)) {
                return "no log";
            }
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return "log " + logFile + ":\n  " + String.join("\n  ",
                    lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "log " + logFile + " unreadable: " + e.getMessage();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
