package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidfileTest {
    private static final long OUR_PID = ProcessHandle.current().pid();

    @TempDir
    Path temp;

    @Test
    void writesOurPidAndRemovesItOnClose() throws Exception {
        Path path = temp.resolve("pooler.pid");
        try (Pidfile pidfile = Pidfile.claim(path)) {
            assertFalse(Files.exists(path), "claim only checks; the pid appears once the server listens");
            pidfile.write();
            assertEquals(OUR_PID + "\n", Files.readString(path));
            assertEquals(OptionalLong.of(OUR_PID), Pidfile.readPid(path));
        }
        assertFalse(Files.exists(path));
        try (var leftovers = Files.list(temp)) {
            assertEquals(0, leftovers.count(), "no temp file left next to the pidfile");
        }
    }

    @Test
    void refusesWhenThePidfileNamesALiveProcess() throws Exception {
        Path path = temp.resolve("pooler.pid");
        long live = ProcessHandle.current().parent().orElseThrow().pid();
        Files.writeString(path, live + "\n");
        StartupException refused = assertThrows(StartupException.class, () -> Pidfile.claim(path));
        assertEquals("pidfile '" + path + "' exists, another instance running?", refused.getMessage());
        assertEquals(live + "\n", Files.readString(path));
    }

    @Test
    void refusesAnEmptyOrGarbledPidfileLikePgBouncer() throws Exception {
        Path path = temp.resolve("pooler.pid");
        for (String content : new String[] {"", "not a pid\n", "-5\n"}) {
            Files.writeString(path, content);
            assertThrows(StartupException.class, () -> Pidfile.claim(path), content);
        }
    }

    @Test
    void replacesAStalePidfile() throws Exception {
        Path path = temp.resolve("pooler.pid");
        Process gone = new ProcessBuilder("true").start();
        assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
        Files.writeString(path, gone.pid() + "\n");

        try (Pidfile pidfile = Pidfile.claim(path)) {
            assertFalse(Files.exists(path), "the stale file is removed at claim");
            pidfile.write();
            assertEquals(OptionalLong.of(OUR_PID), Pidfile.readPid(path));
        }
    }

    @Test
    void treatsOurOwnPidAsStaleAsAfterAContainerRestart() throws Exception {
        Path path = temp.resolve("pooler.pid");
        Files.writeString(path, OUR_PID + "\n");
        try (Pidfile pidfile = Pidfile.claim(path)) {
            pidfile.write();
            assertEquals(OptionalLong.of(OUR_PID), Pidfile.readPid(path));
        }
    }

    @Test
    void writeFailsIfAnotherInstanceCreatedTheFileAfterTheClaim() throws Exception {
        Path path = temp.resolve("pooler.pid");
        try (Pidfile pidfile = Pidfile.claim(path)) {
            Files.writeString(path, "1\n");
            StartupException refused = assertThrows(StartupException.class, pidfile::write);
            assertEquals("pidfile '" + path + "' exists, another instance running?", refused.getMessage());
        }
        assertEquals("1\n", Files.readString(path), "close leaves a file it did not write");
    }

    @Test
    void closeLeavesAFileThatNoLongerNamesUs() throws Exception {
        Path path = temp.resolve("pooler.pid");
        Pidfile pidfile = Pidfile.claim(path);
        pidfile.write();
        Files.writeString(path, "1\n");
        pidfile.close();
        assertEquals("1\n", Files.readString(path));
    }

    @Test
    void reportsAPidfileInAMissingDirectory() {
        Path path = temp.resolve("missing").resolve("pooler.pid");
        StartupException failed = assertThrows(StartupException.class, () -> Pidfile.claim(path).write());
        assertTrue(failed.getMessage().startsWith("could not write pidfile '" + path + "'"), failed.getMessage());
    }
}
