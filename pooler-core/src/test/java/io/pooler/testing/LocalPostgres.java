package io.pooler.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run from the unpacked zonky binaries, in its own directory under the temp
 * directory. Runs as the account {@link ServerUser} picks, so it works when the JVM is root.
 */
final class LocalPostgres extends JdbcPostgresInstance {

    private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);

    private static final String HOST = "127.0.0.1";
    // Generous: two cores may be busy compiling or running another test JVM.
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration COMMAND_TIMEOUT = STARTUP_TIMEOUT.plusSeconds(30);
    private static final int BIND_ATTEMPTS = 3;
    private static final int LOG_TAIL_LINES = 30;
    /** Exit codes of {@code pg_ctl status}. */
    private static final int PG_CTL_RUNNING = 0;
    private static final int PG_CTL_NOT_RUNNING = 3;

    private final PgPrograms programs;
    private final Path directory;
    private final Path data;
    private final Path socketDir;
    private final Path serverLog;

    // NOTE: guarded by this; lifecycle methods are synchronized so the shutdown hook and a test
    // thread cannot interleave pg_ctl calls.
    private int port;
    private boolean running;
    private boolean startedOnce;

    private LocalPostgres(PgPrograms programs, Path directory) {
        this.programs = programs;
        this.directory = directory;
        this.data = directory.resolve("data");
        this.socketDir = directory.resolve("socket");
        this.serverLog = directory.resolve("server.log");
    }

    /** Creates, configures and starts a server; {@code port} 0 picks a free one. */
    static LocalPostgres start(int port) throws IOException {
        return start(port, PostgresBinaries.installation());
    }

    /** As {@link #start(int)}, with the programs of another installation (its {@code bin/}). */
    static LocalPostgres start(int port, Path installation) throws IOException {
        long started = System.nanoTime();
        PgPrograms programs = new PgPrograms(installation, ServerUser.forThisProcess());
        LocalPostgres server = new LocalPostgres(programs, InstanceDirectories.create(programs));
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroy, "pooler-postgres-stopper"));
        server.initdb();
        server.configure();
        server.startFirstTime(port);
        log.info("PostgreSQL started on {}:{} as {} in {} ms ({})", HOST, server.port, programs.user(),
                (System.nanoTime() - started) / 1_000_000, server.directory);
        return server;
    }

    @Override
    public String host() {
        return HOST;
    }

    @Override
    public synchronized int port() {
        return port;
    }

    @Override
    public Optional<Path> unixSocketDir() {
        return Optional.of(socketDir);
    }

    @Override
    public synchronized void start() throws IOException {
        // Asking pg_ctl rather than trusting our flag: a failure test may have killed the postmaster.
        if (running && pgCtlStatus() == PG_CTL_RUNNING) {
            return;
        }
        PgPrograms.Result result = pgCtlStart();
        if (!result.succeeded()) {
            throw startFailure(result);
        }
        running = true;
        awaitAcceptingConnections(STARTUP_TIMEOUT);
    }

    @Override
    public synchronized void stop() throws IOException {
        if (!running) {
            return;
        }
        PgPrograms.Result result = programs.run(COMMAND_TIMEOUT, "pg_ctl", "stop", "-D", data.toString(),
                "-m", "fast", "-w", "-t", String.valueOf(STARTUP_TIMEOUT.toSeconds()));
        // With no server running, the stop's failure does not matter.
        if (!result.succeeded() && pgCtlStatus() != PG_CTL_NOT_RUNNING) {
            throw new IOException(result.describe() + "\n" + diagnostics());
        }
        running = false;
    }

    @Override
    public synchronized void restart() throws IOException {
        stop();
        start();
    }

    @Override
    public String installServerFile(String name, String content) throws IOException {
        Path file = data.resolve(name);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        programs.user().takeOwnership(file);
        return file.toString();
    }

    @Override
    public String serverLog() throws IOException {
        return Files.exists(serverLog) ? new String(Files.readAllBytes(serverLog), StandardCharsets.UTF_8) : "";
    }

    @Override
    String diagnostics() {
        return "server log: " + serverLog;
    }

    @Override
    public String toString() {
        return "PostgreSQL on " + HOST + ":" + port() + " in " + directory;
    }

    private void initdb() throws IOException {
        // initdb reads the superuser's password from a file, which the server user must be able to read.
        Path passwordFile = directory.resolve("superuser-password");
        Files.writeString(passwordFile, ServerSettings.SUPERUSER_PASSWORD + "\n", StandardCharsets.UTF_8);
        programs.user().takeOwnership(passwordFile);
        try {
            programs.runOrThrow(COMMAND_TIMEOUT, "initdb", "-D", data.toString(),
                    "-U", ServerSettings.SUPERUSER, "--pwfile=" + passwordFile,
                    "--auth-local=trust", "--auth-host=md5",
                    // The C locale exists everywhere; a fresh Debian has no other.
                    "-E", "UTF8", "--locale=C",
                    // No fsync of the new cluster: the data is thrown away.
                    "--no-sync");
        } finally {
            Files.deleteIfExists(passwordFile);
        }
    }

    private void configure() throws IOException {
        Files.createDirectories(socketDir);
        programs.user().takeOwnership(socketDir);
        StringBuilder settings = new StringBuilder("\n# Added by io.pooler.testing.LocalPostgres\n");
        for (Map.Entry<String, String> setting : localSettings().entrySet()) {
            settings.append(setting.getKey()).append(" = ").append(literal(setting.getValue())).append('\n');
        }
        // Writing into existing files keeps their owner, the server user.
        Files.writeString(data.resolve("postgresql.conf"), settings, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Files.writeString(data.resolve("pg_hba.conf"), ServerSettings.PG_HBA, StandardCharsets.UTF_8,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    private Map<String, String> localSettings() {
        Map<String, String> settings = ServerSettings.common();
        settings.put("listen_addresses", HOST);
        settings.put("unix_socket_directories", socketDir.toString());
        return settings;
    }

    /**
     * With port 0 the free port we pick can be taken by someone else before the server binds it;
     * then we pick another. The port is then fixed for restarts.
     */
    private synchronized void startFirstTime(int requestedPort) throws IOException {
        for (int attempt = 1; ; attempt++) {
            port = requestedPort != 0 ? requestedPort : freePort();
            long logOffset = Files.exists(serverLog) ? Files.size(serverLog) : 0;
            PgPrograms.Result result = pgCtlStart();
            if (result.succeeded()) {
                running = true;
                awaitAcceptingConnections(STARTUP_TIMEOUT);
                startedOnce = true;
                return;
            }
            boolean portTaken = readLogFrom(logOffset).contains("Address already in use");
            if (requestedPort != 0 || !portTaken || attempt == BIND_ATTEMPTS) {
                throw startFailure(result);
            }
            log.info("Port {} was taken before PostgreSQL could bind it; trying another", port);
        }
    }

    private int pgCtlStatus() throws IOException {
        return programs.run(COMMAND_TIMEOUT, "pg_ctl", "status", "-D", data.toString()).exitCode();
    }

    private PgPrograms.Result pgCtlStart() throws IOException {
        // The port goes on the command line, not in postgresql.conf, so a retry can change it.
        return programs.run(COMMAND_TIMEOUT, "pg_ctl", "start", "-D", data.toString(), "-l", serverLog.toString(),
                "-o", "-p " + port, "-w", "-t", String.valueOf(STARTUP_TIMEOUT.toSeconds()));
    }

    /** The exception for a failed pg_ctl start, after making sure no half-started server is left. */
    private IOException startFailure(PgPrograms.Result result) throws IOException {
        // After a timeout pg_ctl gives up but the postmaster may still come up; do not leave it behind.
        programs.run(COMMAND_TIMEOUT, "pg_ctl", "stop", "-D", data.toString(), "-m", "immediate", "-w");
        return new IOException("PostgreSQL did not start on port " + port + "; " + diagnostics() + "\n"
                + result.describe() + "\nLast lines of the server log:\n" + logTail());
    }

    private String logTail() throws IOException {
        if (!Files.exists(serverLog)) {
            return "(no server log)";
        }
        List<String> lines = Files.readAllLines(serverLog, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    }

    private String readLogFrom(long offset) throws IOException {
        if (!Files.exists(serverLog)) {
            return "";
        }
        byte[] log = Files.readAllBytes(serverLog);
        return new String(log, (int) Math.min(offset, log.length), (int) Math.max(0, log.length - offset),
                StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    /**
     * Shutdown hook: stop at once and remove the directory; the data is throwaway. A server that
     * never started keeps its directory (and log) for a look; the next JVM removes it.
     */
    private synchronized void destroy() {
        try {
            if (running) {
                programs.run(Duration.ofSeconds(30), "pg_ctl", "stop", "-D", data.toString(), "-m", "immediate", "-w");
                running = false;
            }
            if (startedOnce) {
                Directories.deleteRecursively(directory);
            }
        } catch (IOException e) {
            // Too late to fail anything; the next JVM's InstanceDirectories removes what is left.
            log.warn("Could not clean up {}", this, e);
        }
    }
}
