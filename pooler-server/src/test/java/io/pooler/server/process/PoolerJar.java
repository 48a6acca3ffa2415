package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Runs the packaged {@code target/pooler.jar} as its own process, as an operator would. */
final class PoolerJar {
    static final Path JAR = Path.of("target", "pooler.jar");

    private PoolerJar() {
    }

    /** {@code java -jar target/pooler.jar CONFIG}; the process's output is collected by {@link ChildJvm}. */
    static ChildJvm start(Path config) throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is missing: *IT tests run after mvn package");
        return ChildJvm.start(List.of(ChildJvm.javaBinary(), "-Xmx256m", "-jar", JAR.toString(), config.toString()), Map.of());
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
