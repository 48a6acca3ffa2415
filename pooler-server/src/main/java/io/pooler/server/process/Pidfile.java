package io.pooler.server.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code pidfile}, handled in two steps as PgBouncer does: {@link #claim} at startup refuses to go on
 * when the file names a live process and removes a stale one; {@link #write} after the listeners are
 * open publishes our pid, which tells scripts and {@code -d}'s parent that the pooler is up. The file is
 * removed at exit, if it still holds our pid.
 */
public final class Pidfile implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Pidfile.class);

    private final Path path;
    private final long pid = ProcessHandle.current().pid();
    private volatile boolean written;

    private Pidfile(Path path) {
        this.path = path;
    }

    /**
     * Checks that no other instance owns {@code path} and removes the file if its process is gone.
     * An empty or unreadable pid counts as owned, as in PgBouncer: it may be another instance halfway
     * through writing. Our own pid counts as stale: in a restarted container the previous run had it.
     *
     * @throws StartupException "pidfile '...' exists, another instance running?" and the like
     */
    public static Pidfile claim(Path path) throws StartupException {
        String content;
        try {
            content = Files.readString(path, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return new Pidfile(path);
        } catch (IOException e) {
            throw new StartupException("could not read pidfile '" + path + "': " + e.getMessage(), e);
        }
        OptionalLong owner = parsePid(content);
        if (owner.isEmpty() || (owner.getAsLong() != ProcessHandle.current().pid() && isAlive(owner.getAsLong()))) {
            throw new StartupException("pidfile '" + path + "' exists, another instance running?");
        }
        log.info("stale pidfile, removing");
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new StartupException("could not remove stale pidfile: " + e.getMessage(), e);
        }
        return new Pidfile(path);
    }

    /**
     * Publishes our pid: the file appears with its whole content or not at all, and only if no other
     * process created it since {@link #claim}. Registers its removal at JVM exit.
     */
    public void write() throws StartupException {
        byte[] content = (pid + "\n").getBytes(StandardCharsets.US_ASCII);
        Path fileName = path.getFileName();
        Path temp = path.resolveSibling("." + fileName + "." + pid + ".tmp");
        try {
            Files.write(temp, content, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
            publish(temp, content);
        } catch (FileAlreadyExistsException e) {
            throw new StartupException("pidfile '" + path + "' exists, another instance running?");
        } catch (IOException e) {
            throw new StartupException("could not write pidfile '" + path + "': " + e.getMessage(), e);
        } finally {
            deleteQuietly(temp);
        }
        written = true;
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "pooler-pidfile"));
    }

    // A hard link makes a complete file appear under the final name, and fails if the name exists:
    // atomic and exclusive at once, which neither rename (replaces) nor CREATE_NEW (partial content) is.
    private void publish(Path temp, byte[] content) throws IOException {
        try {
            Files.createLink(path, temp);
            return;
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | IOException e) {
            // A file system without hard links (some FUSE and SMB mounts): fall back to exclusive creation.
        }
        Files.write(path, content, StandardOpenOption.CREATE_NEW);
    }

    /** Removes the file if we wrote it and it still names us; safe to call more than once. */
    @Override
    public void close() {
        if (!written) {
            return;
        }
        try {
            if (readPid(path).equals(OptionalLong.of(pid))) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            log.warn("could not remove pidfile '{}': {}", path, e.getMessage());
        }
        written = false;
    }

    public Path path() {
        return path;
    }

    /** The pid a pidfile names; empty when the file is absent, empty or not a pid. */
    public static OptionalLong readPid(Path path) throws IOException {
        try {
            return parsePid(Files.readString(path, StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
    }

    static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static OptionalLong parsePid(String content) {
        String trimmed = content.strip();
        if (trimmed.isEmpty() || trimmed.length() > 18 || !trimmed.chars().allMatch(Character::isDigit)) {
            return OptionalLong.empty();
        }
        long parsed = Long.parseLong(trimmed);
        return parsed > 0 ? OptionalLong.of(parsed) : OptionalLong.empty();
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // A leftover temp file next to the pidfile is harmless; the next write truncates it.
        }
    }
}
