package io.pooler.server.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Python drivers as real clients: python3-psycopg2 and python3-psycopg live with the system
 * interpreter, and the scripts they run are in src/test/resources/python.
 */
final class PythonClients {
    static final String PYTHON = "/usr/bin/python3";

    private PythonClients() {
    }

    /** True when the system interpreter can import {@code module}. */
    static boolean importable(String module) {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import " + module).redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** A finished script: its exit status and its output and errors, interleaved. */
    record Finished(int exitStatus, String output) {
    }

    /**
     * Runs the test resource {@code /python/<script>} with {@code arguments} until it ends, killed after
     * {@code timeout} (its status is then -1).
     */
    static Finished run(String script, Duration timeout, String... arguments) throws IOException, InterruptedException {
        Path file = Files.createTempFile(script, ".py");
        try (InputStream in = PythonClients.class.getResourceAsStream("/python/" + script)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            List<String> command = new ArrayList<>(List.of(PYTHON, file.toString()));
            command.addAll(List.of(arguments));
            Path output = Files.createTempFile(script, ".out");
            try {
                Process python = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
                boolean ended = python.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!ended) {
                    python.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                return new Finished(ended ? python.exitValue() : -1, Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
