package io.pooler.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** Finds the programs the comparison drives, where Debian's packages put them. */
public final class Programs {
    private Programs() {
    }

    /** pgbouncer on the PATH, else /usr/sbin/pgbouncer (the package's place, off a normal user's PATH). */
    public static Optional<Path> pgbouncer() {
        return onPath("pgbouncer").or(() -> executable(Path.of("/usr/sbin/pgbouncer")));
    }

    /** pgbench on the PATH, else the newest under /usr/lib/postgresql (postgresql-client's place). */
    public static Optional<Path> pgbench() {
        return onPath("pgbench").or(() -> newestUnder(Path.of("/usr/lib/postgresql"), "bin/pgbench"));
    }

    static Optional<Path> onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Optional<Path> found = executable(Path.of(dir.isEmpty() ? "." : dir, program));
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> newestUnder(Path versions, String relative) {
        if (!Files.isDirectory(versions)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(versions)) {
            return dirs.filter(d -> d.getFileName().toString().matches("\\d+"))
                    .filter(d -> Files.isExecutable(d.resolve(relative)))
                    .max(Comparator.comparingInt(d -> Integer.parseInt(d.getFileName().toString())))
                    .map(d -> d.resolve(relative));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> executable(Path p) {
        return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
}
