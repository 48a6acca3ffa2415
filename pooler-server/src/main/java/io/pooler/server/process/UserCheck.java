package io.pooler.server.process;

/**
 * What {@code -u USER} (and the {@code user} setting) means on the JVM.
 *
 * <p>PgBouncer starts as root, switches to USER with setgid/initgroups/setuid, and refuses to run as
 * root. Java has no API for that, and doing it through native calls after the JVM has started leaves
 * root behind in places that matter: the JVM's perf-data file and attach socket (so jcmd run as USER
 * cannot reach the process), files the JVM already opened, {@code user.name} and {@code user.home}
 * already read. Starting as USER in the first place (systemd {@code User=}, {@code runuser}, a
 * container's {@code USER}) is simpler and never hands the pooler root privileges at all; a low
 * listen_port needs only {@code AmbientCapabilities=CAP_NET_BIND_SERVICE}.
 *
 * <p>So Pooler starts only when it already runs as USER and otherwise exits with a message saying how to
 * start it as USER. Accepting and ignoring the option would be worse: an init script written for
 * PgBouncer would then run the pooler as root without anyone noticing.
 */
public final class UserCheck {
    private UserCheck() {
    }

    /**
     * Passes when this process runs as {@code wanted}.
     *
     * @throws StartupException naming the current user and how to start as {@code wanted}
     */
    public static void requireCurrentUser(String wanted) throws StartupException {
        String current = currentUser();
        if (!current.equals(wanted)) {
            throw new StartupException("cannot switch to user '" + wanted + "' (running as '" + current + "'): "
                    + "the JVM cannot change its user id; start Pooler as '" + wanted + "' instead, "
                    + "e.g. with User=" + wanted + " in its systemd unit, or runuser -u " + wanted + " -- pooler ...");
        }
    }

    /** The login name of this process's real user id, as the JVM read it at startup. */
    public static String currentUser() {
        return System.getProperty("user.name");
    }
}
