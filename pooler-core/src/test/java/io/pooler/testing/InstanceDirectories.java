package io.pooler.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Working directories of local servers, {@code <tmp>/pooler-pg-instances-<uid>/<jvm pid>-<random>},
 * each holding data/, socket/ and server.log.
 *
 * <p>A JVM killed before its shutdown hook ran leaves its directory, and maybe its server,
 * behind. The next JVM to create a directory stops and deletes those whose JVM is gone.
 */
final class InstanceDirectories {

    private static final Logger log = LoggerFactory.getLogger(InstanceDirectories.class);
    private static final Pattern NAME = Pattern.compile("(\\d+)-.+");
    private static final Set<Path> CREATED_BY_THIS_JVM = ConcurrentHashMap.newKeySet();

    private InstanceDirectories() {
    }

    static synchronized Path create(PgPrograms programs) throws IOException {
        Path base = Path.of(System.getProperty("java.io.tmpdir"), "pooler-pg-instances-" + ServerUser.effectiveUid());
        Files.createDirectories(base);
        // The server user (when we are root) must be able to pass through to its own directory.
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        reapStale(base, programs);
        Path directory = Files.createTempDirectory(base, ProcessHandle.current().pid() + "-");
        CREATED_BY_THIS_JVM.add(directory);
        programs.user().takeOwnership(directory);
        return directory;
    }

    private static void reapStale(Path base, PgPrograms programs) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(base)) {
            for (Path child : children) {
                if (isStale(child)) {
                    reap(child, programs);
                }
            }
        }
    }

    private static boolean isStale(Path directory) {
        Matcher name = NAME.matcher(directory.getFileName().toString());
        if (!name.matches() || CREATED_BY_THIS_JVM.contains(directory)) {
            return false;
        }
        long pid = Long.parseLong(name.group(1));
        // A directory named after this JVM's pid that it did not create is from an earlier JVM with the same pid.
        return pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    private static void reap(Path directory, PgPrograms programs) {
        try {
            Path data = directory.resolve("data");
            if (Files.exists(data.resolve("postmaster.pid"))) {
                programs.run(Duration.ofSeconds(30), "pg_ctl", "stop", "-D", data.toString(), "-m", "immediate", "-w");
            }
            Directories.deleteRecursively(directory);
            log.info("Removed {}, left behind by a JVM that has exited", directory);
        } catch (IOException e) {
            // Another JVM may be reaping it at the same moment; a leftover directory harms no test.
            log.debug("Could not remove {}", directory, e);
        }
    }
}
