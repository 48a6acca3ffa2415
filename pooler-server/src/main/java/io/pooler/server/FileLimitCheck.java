package io.pooler.server;

import io.pooler.config.DatabaseEntry;
import io.pooler.config.PoolerConfig;
import io.pooler.config.UserEntry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Warns at startup when the configuration may need more file descriptors than the process may open,
 * using PgBouncer's estimate from its max_client_conn documentation:
 * {@code max_client_conn + (max pool_size * total databases * total users)}, where a database that
 * forces a user counts one user. Running out shows up much later as refused connections ("Too many
 * open files"), so the operator hears about it at startup, with the numbers.
 */
final class FileLimitCheck {
    private static final Path LIMITS = Path.of("/proc/self/limits");
    private static final Path OPEN_FDS = Path.of("/proc/self/fd");

    /** The estimate's parts, for the message. */
    record Estimate(int maxClientConn, int maxPoolSize, int databases, int users, long serverConnections) {
        long total() {
            return maxClientConn + serverConnections;
        }
    }

    private FileLimitCheck() {
    }

    /** Reads the limit from /proc (Linux); elsewhere there is nothing to check against and nothing is said. */
    static Optional<String> warning(RuntimeConfig rc) {
        OptionalLong limit = openFileLimit();
        if (limit.isEmpty()) {
            return Optional.empty();
        }
        return warning(estimate(rc), limit.getAsLong(), openNow());
    }

    static Optional<String> warning(Estimate e, long limit, long openNow) {
        long needed = e.total() + openNow;
        if (needed <= limit) {
            return Optional.empty();
        }
        return Optional.of("max_client_conn (" + e.maxClientConn() + ") plus up to " + e.serverConnections()
                + " server connections (max pool_size " + e.maxPoolSize() + " x " + e.databases() + " databases x "
                + e.users() + " users) plus " + openNow + " files open now is " + needed
                + ", more than the open-file limit of " + limit
                + "; raise it (LimitNOFILE= in the systemd unit, ulimit -n) or lower max_client_conn/pool sizes");
    }

    static Estimate estimate(RuntimeConfig rc) {
        PoolerConfig config = rc.config();
        int maxPoolSize = config.settings().defaultPoolSize();
        List<DatabaseEntry> databases = new ArrayList<>(config.databases().values());
        config.fallbackDatabase().ifPresent(databases::add);
        for (DatabaseEntry db : databases) {
            maxPoolSize = Math.max(maxPoolSize, db.poolSize().orElse(0));
        }
        for (UserEntry user : config.users().values()) {
            maxPoolSize = Math.max(maxPoolSize, user.poolSize().orElse(0));
        }
        Set<String> users = new HashSet<>(config.users().keySet());
        if (rc.userlist() != null) {
            users.addAll(rc.userlist().users());
        }
        int userCount = Math.max(1, users.size());
        long servers = 0;
        for (DatabaseEntry db : databases) {
            servers += (long) maxPoolSize * (db.user().isPresent() ? 1 : userCount);
        }
        return new Estimate(config.settings().maxClientConn(), maxPoolSize, databases.size(), userCount, servers);
    }

    /** The soft limit from /proc/self/limits ("Max open files  1024  524288  files"); empty if unknown or unlimited. */
    static OptionalLong openFileLimit() {
        try (Stream<String> lines = Files.lines(LIMITS)) {
            return lines.filter(line -> line.startsWith("Max open files"))
                    .map(line -> line.substring("Max open files".length()).trim().split("\\s+")[0])
                    .filter(soft -> soft.matches("\\d+"))
                    .mapToLong(Long::parseLong)
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private static long openNow() {
        try (Stream<Path> fds = Files.list(OPEN_FDS)) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
