package io.pooler.server;

/**
 * Whether, and how, the process is going down: set by signals and the console's SHUTDOWN, read by logins
 * (refused during a shutdown), by clients between transactions and by the janitor.
 *
 * <p>Threads: any; both fields are volatile.
 */
public final class ShutdownState {
    /** How the process is going down, if it is. */
    public enum Mode { NONE, WAIT_FOR_SERVERS, WAIT_FOR_CLIENTS, IMMEDIATE }

    private volatile Mode mode = Mode.NONE;
    /** When the first shutdown request came ({@link System#nanoTime()}), 0 before. */
    private volatile long startedNanos;

    public Mode mode() {
        return mode;
    }

    public void mode(Mode next) {
        if (startedNanos == 0 && next != Mode.NONE) {
            startedNanos = System.nanoTime() | 1; // never 0: 0 means "not shutting down"
        }
        this.mode = next;
    }

    /**
     * True when a connection accepted at {@code acceptedNanos} ({@link System#nanoTime()}) arrived before
     * the shutdown began; during WAIT_FOR_CLIENTS such a login under way is still served.
     */
    public boolean acceptedBeforeShutdown(long acceptedNanos) {
        long started = startedNanos;
        return started == 0 || acceptedNanos - started < 0;
    }
}
