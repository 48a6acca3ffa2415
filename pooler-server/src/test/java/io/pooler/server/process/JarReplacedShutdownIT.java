package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM ends a pooler whose jar was written over in place while it ran, as a rebuild or a copy onto the
 * installed jar does: the JVM can then load no class it had not loaded yet, and the shutdown, which needs
 * some, waited for good (a second SIGTERM too). The shutdown watchdog ends such a process.
 */
class JarReplacedShutdownIT {
    /** The watchdog's bound on a stalled wait (10 s) or a stalled close (15 s), with room for a busy machine. */
    private static final long EXIT_WITHIN_SECONDS = 40;

    @Test
    void sigtermEndsTheProcessAfterItsJarWasWrittenOverInPlace() throws Exception {
        Path dir = Files.createTempDirectory("pooler-jar-replaced-");
        Path jar = dir.resolve("pooler.jar");
        Files.copy(PoolerJar.JAR, jar, StandardCopyOption.REPLACE_EXISTING);
        int port = PoolerJar.freePort();
        Files.writeString(dir.resolve("pooler.ini"), String.join("\n",
                "[databases]",
                "* = host=127.0.0.1 port=1",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "unix_socket_dir =",
                "auth_type = trust",
                ""));
        List<String> command = List.of(ChildJvm.javaBinary(), "-Xmx256m", "-jar", jar.toString(),
                dir.resolve("pooler.ini").toString());
        try (ChildJvm pooler = ChildJvm.start(command, Map.of())) {
            pooler.await("listening on 127.0.0.1:" + port);

            writeOverInPlace(jar);
            pooler.kill("TERM");

            if (!pooler.waitFor(EXIT_WITHIN_SECONDS)) {
                fail("still running " + EXIT_WITHIN_SECONDS + " s after SIGTERM:\n" + pooler.output());
            }
            assertTrue(pooler.output().contains("got SIGTERM"), pooler.output());
        }
    }

    /**
     * Writes the jar's entries back in the reverse order into the same file (same inode, truncated first),
     * so that every entry's offset changes, as between two builds.
     */
    private static void writeOverInPlace(Path jar) throws IOException {
        List<JarEntry> entries = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : Collections.list(file.entries())) {
                entries.add(entry);
                try (InputStream in = file.getInputStream(entry)) {
                    contents.add(in.readAllBytes());
                }
            }
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream rewritten = new JarOutputStream(out)) {
            for (int i = entries.size() - 1; i >= 0; i--) {
                rewritten.putNextEntry(new JarEntry(entries.get(i).getName()));
                rewritten.write(contents.get(i));
                rewritten.closeEntry();
            }
        }
    }
}
