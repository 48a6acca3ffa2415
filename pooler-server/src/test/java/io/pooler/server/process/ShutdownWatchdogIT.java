package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;

/** The daemon's shutdown watchdog, on real processes of the packaged jar. */
class ShutdownWatchdogIT {
    /** The watchdog's bound on a stalled wait (10 s) or a stalled close (15 s), with room for a busy machine. */
    private static final long EXIT_WITHIN_SECONDS = 40;

    /** A pause longer than the wait's bound (10 s), and room for the machine. */
    private static final long PAUSE_SECONDS = 12;

    /**
     * SIGTERM ends a pooler whose jar was written over in place while it ran, as a rebuild or a copy onto
     * the installed jar does: the JVM can then load no class it had not loaded yet, and the shutdown, which
     * needs some, waited for good (a second SIGTERM too).
     */
    @Test
    void sigtermEndsTheProcessAfterItsJarWasWrittenOverInPlace() throws Exception {
        Path dir = Files.createTempDirectory("pooler-jar-replaced-");
        Path jar = dir.resolve("pooler.jar");
        Files.copy(PoolerJar.JAR, jar, StandardCopyOption.REPLACE_EXISTING);
        int port = PoolerJar.freePort();
        try (ChildJvm pooler = start(jar, dir, port)) {
            writeOverInPlace(jar);
            pooler.kill("TERM");

            if (!pooler.waitFor(EXIT_WITHIN_SECONDS)) {
                fail("still running " + EXIT_WITHIN_SECONDS + " s after SIGTERM:\n" + pooler.output());
            }
            assertTrue(pooler.output().contains("got SIGTERM"), pooler.output());
        }
    }

    /**
     * A process stopped while it waits for its clients (SIGSTOP, as a paused VM is) did not stall: its
     * shutdown goes on waiting after SIGCONT and ends as usual when the last client leaves.
     */
    @Test
    void aPauseDuringTheWaitIsNotAStall() throws Exception {
        Path dir = Files.createTempDirectory("pooler-paused-");
        int port = PoolerJar.freePort();
        try (ChildJvm pooler = start(PoolerJar.JAR, dir, port); Socket client = new Socket("127.0.0.1", port)) {
            // The start of a startup packet: accepted (tcp_defer_accept waits for data), and a client until it closes.
            client.getOutputStream().write(new byte[] {0, 0, 0, 8});
            client.getOutputStream().flush();
            pooler.kill("TERM");
            pooler.await("shutdown requested (WAIT_FOR_CLIENTS)");
            Thread.sleep(300); // a few checks that find the client: the wait is under way

            pooler.kill("STOP");
            Thread.sleep(TimeUnit.SECONDS.toMillis(PAUSE_SECONDS)); // the pause itself is what is under test
            pooler.kill("CONT");
            Thread.sleep(1000); // a few of the watchdog's polls after the pause: a clock-based bound would act here

            assertTrue(pooler.isAlive(), "ended by the pause:\n" + pooler.output());
            client.close();
            assertEquals(0, pooler.awaitExit(), pooler.output());
            assertFalse(pooler.output().contains("exiting now"), pooler.output());
        }
    }

    private static ChildJvm start(Path jar, Path dir, int port) throws IOException, InterruptedException {
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
        ChildJvm pooler = ChildJvm.start(command, Map.of());
        pooler.await("listening on 127.0.0.1:" + port);
        // Logged once the signal handlers are in, under plain java -jar (the launcher script's options differ).
        pooler.await("signals differ from PgBouncer");
        return pooler;
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
