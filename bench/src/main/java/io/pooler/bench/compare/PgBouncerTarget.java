package io.pooler.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * PgBouncer as its own process, in the foreground. PgBouncer refuses to run as root; as root it runs
 * with {@code -u nobody}, and its directory is handed to that user.
 */
public final class PgBouncerTarget extends ProcessTarget {
    private static final String UNPRIVILEGED_USER = "nobody";

    private final Path binary;
    private final String key;
    private final String name;

    public PgBouncerTarget(Path workDir, Backend backend, Path binary, String key) throws IOException {
        super(workDir, backend);
        this.binary = binary;
        this.key = key;
        this.name = version(binary);
    }

    /** "PgBouncer 1.18.0", from the first line of {@code pgbouncer --version}. */
    static String version(Path binary) throws IOException {
        Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.startsWith("PgBouncer")) {
                throw new IOException(binary + " --version did not answer like PgBouncer: " + out.strip());
            }
            return out.lines().findFirst().orElseThrow().strip();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    protected List<String> command(Path configFile) {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        if (runningAsRoot()) {
            command.addAll(List.of("-u", UNPRIVILEGED_USER));
        }
        command.add(configFile.toString());
        return command;
    }

    @Override
    protected void prepareFiles(Path dir) throws IOException {
        if (!runningAsRoot()) {
            return;
        }
        UserPrincipal user = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(UNPRIVILEGED_USER);
        Files.setOwner(dir, user);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.setOwner(file, user);
            }
        }
    }

    static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
