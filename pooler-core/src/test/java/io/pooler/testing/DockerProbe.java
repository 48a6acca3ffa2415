package io.pooler.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.DockerClientFactory;

/**
 * Whether a Docker engine is reachable, asked without noise or delay on machines that have none.
 *
 * <p>Testcontainers' own probe loads its whole stack and logs several ERROR lines when it finds no
 * engine. So it is asked only when something points at an engine: DOCKER_HOST, a Testcontainers
 * properties file, or a Docker socket in one of the usual places.
 */
final class DockerProbe {

    private DockerProbe() {
    }

    static boolean dockerEngineReachable() {
        if (!somethingPointsAtAnEngine()) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            // Testcontainers missing from the classpath, or failing in its own setup: no Docker for us.
            return false;
        }
    }

    private static boolean somethingPointsAtAnEngine() {
        if (System.getenv("DOCKER_HOST") != null) {
            return true;
        }
        String home = System.getProperty("user.home");
        List<Path> hints = new ArrayList<>(List.of(
                Path.of("/var/run/docker.sock"),
                Path.of(home, ".testcontainers.properties"),
                Path.of(home, ".docker", "run", "docker.sock"),
                Path.of(home, ".docker", "desktop", "docker.sock")));
        String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
        if (runtimeDir != null) {
            hints.add(Path.of(runtimeDir, "docker.sock"));
        }
        return hints.stream().anyMatch(Files::exists);
    }
}
