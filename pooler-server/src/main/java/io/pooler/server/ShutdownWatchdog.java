package io.pooler.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ends the process when its shutdown has stalled: a signal or SHUTDOWN that was taken must end it.
 * Two ways a shutdown stalls, each with its bound:
 * <ul>
 *   <li>a wait (for clients, for servers) whose checks stop completing: they run on the event loops
 *       every 100 ms, so none for {@link #CHECK_STALE_MILLIS} means a loop no longer runs its tasks;</li>
 *   <li>closing everything (an immediate shutdown, or the end of a wait) that has not ended the process
 *       after {@link #FINISH_MILLIS}; it takes some 3 s (the servers' Terminate, the loops' quiet time).</li>
 * </ul>
 * The case seen: a pooler.jar written over in place while the process ran (a rebuild, a copy onto it).
 * From then on the JVM cannot load a class it has not loaded yet; the shutdown's first new class threw
 * NoClassDefFoundError on a loop, the loop died, and the process waited for good, on a second signal
 * too. So this class, its thread and what the thread runs are all made at startup, and the stall is
 * reported without a class the JVM may not have loaded by then.
 *
 * <p>Armed only for a daemon ({@link #arm()}, by the launcher): a test's in-process server never halts the
 * JVM that runs the tests.
 */
final class ShutdownWatchdog {
    private static final Logger log = LoggerFactory.getLogger(ShutdownWatchdog.class);
    static final long CHECK_STALE_MILLIS = 10_000;
    static final long FINISH_MILLIS = 15_000;
    private static final long POLL_MILLIS = 100;

    /** What to do about a stall: the daemon's logs it and halts. */
    interface StallAction {
        void stalled(String why);
    }

    /**
     * The bounds counted in the watchdog's own polls, not read off the clock: a process that was stopped
     * (SIGSTOP, a paused VM) did not poll meanwhile, so its pause is not taken for a stall.
     */
    private final long stalePolls;
    private final long finishPolls;
    private final StallAction action;
    /** The two reports, written now: at a stall even a string concatenation's first use may need a class. */
    private final String waitStalled;
    private final String finishStalled;
    private final Thread thread;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean armed;
    /** Counts the waiting shutdown's completed checks (from any loop), and its start. */
    private final AtomicLong checks = new AtomicLong();
    private volatile boolean finishing;

    ShutdownWatchdog(long checkStaleMillis, long finishMillis, StallAction action) {
        this.stalePolls = Math.max(1, checkStaleMillis / POLL_MILLIS);
        this.finishPolls = Math.max(1, finishMillis / POLL_MILLIS);
        this.action = action;
        this.waitStalled = "shutdown: the wait has not completed a check in " + seconds(checkStaleMillis)
                + " (an event loop stopped running its tasks); exiting now";
        this.finishStalled = "shutdown: still running " + seconds(finishMillis) + " after closing every connection; exiting now";
        this.thread = new Thread(this::watch, "pooler-shutdown-watchdog");
        this.thread.setDaemon(true);
    }

    /** The daemon's: a stall is logged and the process halted with status 1. */
    static ShutdownWatchdog haltingProcess() {
        return new ShutdownWatchdog(CHECK_STALE_MILLIS, FINISH_MILLIS, ShutdownWatchdog::halt);
    }

    /** From now on a shutdown that stalls ends the process. */
    void arm() {
        armed = true;
    }

    /** A shutdown began to wait (for clients or servers): its checks must keep completing. */
    void waiting() {
        checks.incrementAndGet();
        start();
    }

    /** A waiting shutdown's check completed, whatever it found. */
    void checked() {
        checks.incrementAndGet();
    }

    /** The shutdown closes everything now: the process must end within the bound. */
    void finishing() {
        finishing = true;
        start();
    }

    private void start() {
        if (armed && started.compareAndSet(false, true)) {
            thread.start();
        }
    }

    private void watch() {
        long checksSeen = checks.get();
        long pollsWithoutCheck = 0;
        long pollsFinishing = 0;
        while (true) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (finishing) {
                if (++pollsFinishing > finishPolls) {
                    action.stalled(finishStalled);
                    return;
                }
                continue;
            }
            long count = checks.get();
            if (count != checksSeen) {
                checksSeen = count;
                pollsWithoutCheck = 0;
            } else if (++pollsWithoutCheck > stalePolls) {
                action.stalled(waitStalled);
                return;
            }
        }
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    private static void halt(String why) {
        try {
            log.error(why);
        } catch (Throwable logFailed) {
            System.err.println(why);
        }
        Runtime.getRuntime().halt(1);
    }
}
