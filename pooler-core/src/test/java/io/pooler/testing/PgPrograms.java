package io.pooler.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the unpacked PostgreSQL programs (initdb, pg_ctl) as the server user. */
final class PgPrograms {

    record Result(List<String> command, int exitCode, String output) {
        boolean succeeded() {
            return exitCode == 0;
        }

        String describe() {
            return "`" + String.join(" ", command) + "` exited " + exitCode + ":\n" + output.strip();
        }
    }

    private final Path installation;
    private final ServerUser user;

    PgPrograms(Path installation, ServerUser user) {
        this.installation = installation;
        this.user = user;
    }

    ServerUser user() {
        return user;
    }

    Result run(Duration timeout, String program, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(installation.resolve("bin").resolve(program).toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(user.command(command))
                // The server user may not be able to enter our working directory (e.g. under /root).
                .directory(new File("/"))
                .redirectErrorStream(true);
        cleanEnvironment(builder.environment());
        // Output goes to a file rather than a pipe: a postmaster that inherited the pipe would
        // keep it open and a reader waiting for its end would wait for ever.
        Path output = Files.createTempFile("pooler-pg-", ".out");
        try {
            builder.redirectOutput(output.toFile());
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException("`" + String.join(" ", command) + "` did not finish in " + timeout
                        + ":\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(command, process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, e);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Result of a command that must succeed. */
    Result runOrThrow(Duration timeout, String program, String... args) throws IOException {
        Result result = run(timeout, program, args);
        if (!result.succeeded()) {
            throw new IOException(result.describe());
        }
        return result;
    }

    private static void cleanEnvironment(Map<String, String> environment) {
        // PGDATA, PGPORT, PGHOST... from the developer's shell must not steer our server.
        environment.keySet().removeIf(name -> name.startsWith("PG"));
        // Messages in English whatever locales the machine has (a fresh Debian has none).
        environment.put("LC_ALL", "C");
        environment.put("LANG", "C");
    }
}
