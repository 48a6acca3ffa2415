package io.pooler.server.process;

/**
 * What the server does on a process signal, with PgBouncer's meaning for each (see
 * {@link SignalDispatcher} for which signal calls which method).
 *
 * <p>Methods are called on a short-lived thread that the JVM starts for each signal, so two of them may
 * run at once. An implementation hands the work to the server's own threads and returns; it must not
 * block. Taking SIGINT and SIGTERM away from the JVM also means the JVM no longer exits on them by
 * itself: once a shutdown completes, the implementation calls {@link System#exit}.
 */
public interface Lifecycle {
    /** SIGHUP: re-read the configuration files, as the RELOAD command; also reopens the logfile. */
    void reload();

    /** First SIGINT: stop accepting, wait until every server connection is released (SHUTDOWN WAIT_FOR_SERVERS). */
    void shutdownWaitForServers();

    /** First SIGTERM: stop accepting, exit once every client has disconnected (SHUTDOWN WAIT_FOR_CLIENTS). */
    void shutdownWaitForClients();

    /** A second SIGINT or SIGTERM: exit now (SHUTDOWN). */
    void shutdownImmediate();

    /** SIGUSR1: PAUSE. */
    void pause();

    /** SIGUSR2: RESUME. */
    void resume();

    /** True once a shutdown began, by a signal or by the console's SHUTDOWN: the next signal exits at once. */
    default boolean isShuttingDown() {
        return false;
    }

    /** True while SUSPEND holds every connection: a shutdown signal then exits at once, as in PgBouncer. */
    default boolean isSuspended() {
        return false;
    }
}
