package io.pooler.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The OS account that owns a data directory and runs initdb, pg_ctl and postgres.
 *
 * <p>PostgreSQL refuses to run as root. When this JVM is root, commands run through
 * {@code setpriv} as an unprivileged account: {@code postgres} if the machine has one, else
 * {@code nobody}, else a {@code pooler-test} system account made with {@code useradd}. The
 * system property {@code pooler.test.postgres.user} names another account. setpriv (util-linux,
 * essential on Debian) is used rather than runuser/su because it opens no PAM session, which
 * fails in some containers. Otherwise commands run as this JVM's own user, unchanged.
 */
final class ServerUser {

    private static final String USER_PROPERTY = "pooler.test.postgres.user";
    private static final List<String> EXISTING_ACCOUNTS = List.of("postgres", "nobody");
    private static final String CREATED_ACCOUNT = "pooler-test";

    private final String name;
    private final int uid;
    private final int gid;
    private final boolean switchesUser;

    private ServerUser(String name, int uid, int gid, boolean switchesUser) {
        this.name = name;
        this.uid = uid;
        this.gid = gid;
        this.switchesUser = switchesUser;
    }

    static ServerUser forThisProcess() throws IOException {
        if (effectiveUid() != 0) {
            return new ServerUser(System.getProperty("user.name"), -1, -1, false);
        }
        String requested = System.getProperty(USER_PROPERTY);
        if (requested != null) {
            return lookup(requested).orElseThrow(() -> new IOException(
                    "-D" + USER_PROPERTY + "=" + requested + " names no account on this machine"));
        }
        for (String account : EXISTING_ACCOUNTS) {
            Optional<ServerUser> user = lookup(account);
            if (user.isPresent()) {
                return user.get();
            }
        }
        return createAccount();
    }

    String name() {
        return name;
    }

    /** The command line that runs {@code command} as this user. */
    List<String> command(List<String> command) {
        if (!switchesUser) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(
                "setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Hands a file or directory made by this JVM to this user, so the server can use it. */
    void takeOwnership(Path path) throws IOException {
        if (switchesUser) {
            Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        }
    }

    @Override
    public String toString() {
        return switchesUser ? name + " (uid " + uid + ", via setpriv)" : name;
    }

    static int effectiveUid() throws IOException {
        Path self = Path.of("/proc/self");
        if (Files.exists(self)) {
            // /proc/self belongs to the process's effective uid.
            return (Integer) Files.getAttribute(self, "unix:uid");
        }
        return "root".equals(System.getProperty("user.name")) ? 0 : -1;
    }

    private static Optional<ServerUser> lookup(String account) throws IOException {
        Optional<String> uid = run(List.of("id", "-u", account));
        Optional<String> gid = run(List.of("id", "-g", account));
        if (uid.isEmpty() || gid.isEmpty() || Integer.parseInt(uid.get()) == 0) {
            return Optional.empty();
        }
        return Optional.of(new ServerUser(account, Integer.parseInt(uid.get()), Integer.parseInt(gid.get()), true));
    }

    private static ServerUser createAccount() throws IOException {
        List<String> useradd = List.of("useradd", "--system", "--user-group", "--no-create-home",
                "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", CREATED_ACCOUNT);
        // Another JVM may create it at the same moment, so the exit code does not matter: the lookup does.
        run(useradd);
        return lookup(CREATED_ACCOUNT).orElseThrow(() -> new IOException(
                "running as root, and found no unprivileged account for PostgreSQL: tried "
                        + EXISTING_ACCOUNTS + " and `" + String.join(" ", useradd) + "`"));
    }

    /** Runs a short command; its trimmed output when it exits 0, empty otherwise. */
    private static Optional<String> run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            return process.exitValue() == 0 ? Optional.of(output) : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running " + command, e);
        }
    }
}
