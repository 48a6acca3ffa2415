package io.pooler.server.process;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * PgBouncer's signals, onto a {@link Lifecycle}:
 * <table>
 *   <caption>signal → action</caption>
 *   <tr><td>SIGHUP</td><td>{@link Lifecycle#reload}</td></tr>
 *   <tr><td>SIGINT</td><td>{@link Lifecycle#shutdownWaitForServers} (PgBouncer 1.23+)</td></tr>
 *   <tr><td>SIGTERM</td><td>{@link Lifecycle#shutdownWaitForClients}</td></tr>
 *   <tr><td>SIGINT or SIGTERM during a shutdown or a SUSPEND</td><td>{@link Lifecycle#shutdownImmediate}</td></tr>
 *   <tr><td>SIGUSR1</td><td>{@link Lifecycle#pause}</td></tr>
 *   <tr><td>SIGUSR2</td><td>{@link Lifecycle#resume}, ignored during a shutdown</td></tr>
 *   <tr><td>SIGQUIT</td><td>with {@code -Dpooler.sigquit=exit}: the process exits at once, status 3,
 *   without cleanup</td></tr>
 * </table>
 *
 * <h2>What the JVM allows</h2>
 * HotSpot uses two of these signals itself, and only the JVM's command line and environment can change
 * that:
 * <ul>
 *   <li><b>SIGUSR2</b> is HotSpot's thread suspend/resume signal, which JFR's execution sampler sends
 *   to threads. Left to HotSpot, a SIGUSR2 from kill(1) crashes JDK 17 (SIGSEGV in SR_handler, checked
 *   by hand on 17.0.15). So it is always taken for RESUME; but while HotSpot also uses it, every JFR
 *   sample reaches the handler as a RESUME too (about 80 a second with the "profile" settings), and a
 *   startup WARNING says so. The environment variable {@code _JAVA_SR_SIGNUM}, read by the JVM at
 *   startup, moves suspend/resume elsewhere: the launcher script {@code pooler} sets it to 64 (SIGRTMAX,
 *   unused by anything else in the process), and {@link Daemonizer} sets it for the daemon child.</li>
 *   <li><b>SIGQUIT</b> is HotSpot's thread dump signal and never reaches Java code. With
 *   {@code -Dpooler.sigquit=exit} (set by the launcher script) libc's {@code _exit} becomes its handler
 *   through JNA, so it ends the process at once like PgBouncer's. The pidfile stays behind and is
 *   removed as stale at the next start; the exit status is 3. {@code kill -3} thread dumps are gone
 *   then, and so is jcmd's way of waking the attach listener: the launcher therefore starts it with
 *   {@code -XX:+StartAttachListener}, so jcmd and jstack keep working through its socket. Without the
 *   property, SIGQUIT prints a thread dump as in any JVM.</li>
 * </ul>
 * SIGHUP, SIGINT and SIGTERM are refused by the JVM when the process started with them ignored
 * ({@code nohup}, {@code &} in a script) or with {@code -Xrs}; the first case is repaired through JNA.
 * A signal that cannot be taken is reported in one WARNING at startup, never a failure.
 *
 * <p>Handlers run on a thread the JVM starts for each signal; they log the signal in PgBouncer's words
 * and call the {@link Lifecycle}, nothing more.
 */
public final class SignalDispatcher {
    /** {@code exit}: SIGQUIT ends the process at once; {@code threaddump} (the default): the JVM's thread dump. */
    public static final String SIGQUIT_PROPERTY = "pooler.sigquit";
    static final String SR_SIGNUM_ENV = "_JAVA_SR_SIGNUM";

    private static final Logger log = LoggerFactory.getLogger(SignalDispatcher.class);

    private final Lifecycle lifecycle;
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final Set<String> handled = new LinkedHashSet<>();
    // Why a signal is not handled as in PgBouncer, for the one startup warning.
    private final List<String> limits = new ArrayList<>();

    private SignalDispatcher(Lifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    /** Takes the signals for {@code lifecycle}; call once per process, after the server is up. */
    public static SignalDispatcher install(Lifecycle lifecycle) {
        SignalDispatcher dispatcher = new SignalDispatcher(lifecycle);
        dispatcher.installAll(NativeSignals.load(), System.getProperty(SIGQUIT_PROPERTY), System.getenv(SR_SIGNUM_ENV));
        return dispatcher;
    }

    /** The signals this process reacts to as PgBouncer does, e.g. {@code SIGHUP}. */
    public Set<String> handledSignals() {
        return Collections.unmodifiableSet(handled);
    }

    /**
     * Tells the dispatcher that a shutdown began some other way (the admin console's SHUTDOWN), so that
     * the next SIGINT or SIGTERM is a second one and exits at once, as in PgBouncer.
     */
    public void noteShutdownStarted() {
        shuttingDown.set(true);
    }

    private void installAll(NativeSignals natives, String sigquitMode, String srSignum) {
        take("HUP", natives, false, () -> {
            log.info("got SIGHUP, re-reading config");
            lifecycle.reload();
        });
        take("INT", natives, false, () -> shutdown("SIGINT",
                "shutting down, waiting for all servers connections to be released", lifecycle::shutdownWaitForServers));
        take("TERM", natives, false, () -> shutdown("SIGTERM",
                "shutting down, waiting for all clients disconnect", lifecycle::shutdownWaitForClients));
        take("USR1", natives, true, () -> {
            log.info("got SIGUSR1, pausing all activity");
            lifecycle.pause();
        });
        boolean sharedWithHotSpot = jvmSuspendsWithSigusr2(srSignum);
        take("USR2", natives, !sharedWithHotSpot, this::resume);
        if (sharedWithHotSpot && handled.contains("SIGUSR2")) {
            limits.add("SIGUSR2 is also HotSpot's thread suspend signal, so a JFR recording's execution sampler "
                    + "would send RESUME (start with the pooler launcher script, or " + SR_SIGNUM_ENV
                    + "=64, to separate them)");
        }
        takeQuit(natives, sigquitMode);
        log.debug("handling signals {}", handled);
        if (!limits.isEmpty()) {
            log.warn("signals differ from PgBouncer: {}", String.join("; ", limits));
        }
    }

    private void shutdown(String signal, String firstMessage, Runnable firstAction) {
        if (shuttingDown.getAndSet(true) || lifecycle.isShuttingDown()) {
            log.info("got {} while shutting down, fast exit", signal);
            lifecycle.shutdownImmediate();
        } else if (lifecycle.isSuspended()) {
            // PgBouncer dies here: a safe shutdown would wait for connections SUSPEND stopped reading.
            log.info("got {}, suspend was in progress, going down immediately", signal);
            lifecycle.shutdownImmediate();
        } else {
            log.info("got {}, {}", signal, firstMessage);
            firstAction.run();
        }
    }

    private void resume() {
        if (shuttingDown.get() || lifecycle.isShuttingDown()) {
            log.info("got SIGUSR2 while shutting down, ignoring");
            return;
        }
        log.info("got SIGUSR2, continuing");
        lifecycle.resume();
    }

    /**
     * Registers {@code action} for SIG{@code name}.
     *
     * @param expectFree the JVM does not use this signal; if it turns out to have a handler there, put
     *                   that handler back rather than break whatever the JVM does with it
     */
    private void take(String name, NativeSignals natives, boolean expectFree, Runnable action) {
        SignalHandler handler = signal -> run(name, action);
        try {
            Signal signal = new Signal(name);
            SignalHandler previous = Signal.handle(signal, handler);
            if (previous == SignalHandler.SIG_IGN) {
                // For HUP, INT and TERM the JVM keeps an inherited "ignore" and did not install our handler.
                if (!natives.resetToDefault(signal.getNumber())) {
                    limits.add("SIG" + name + " not handled: ignored since startup, e.g. by nohup ("
                            + nativeFailure(natives) + ")");
                    return;
                }
                previous = Signal.handle(signal, handler);
                log.info("SIG{} was ignored since startup (nohup?); handling it anyway, as PgBouncer does", name);
            }
            if (expectFree && previous != SignalHandler.SIG_DFL && previous != SignalHandler.SIG_IGN) {
                Signal.handle(signal, previous);
                limits.add("SIG" + name + " not handled: the JVM uses it");
                return;
            }
            handled.add("SIG" + name);
        } catch (IllegalArgumentException e) {
            // "Signal already used by VM or OS" (-Xrs) or "Unknown signal" (not a POSIX system).
            limits.add("SIG" + name + " not handled (" + e.getMessage() + ")");
        }
    }

    private void takeQuit(NativeSignals natives, String mode) {
        if ("threaddump".equals(mode)) {
            return;
        }
        if (!"exit".equals(mode)) {
            limits.add("SIGQUIT prints a JVM thread dump instead of exiting (start with the pooler launcher "
                    + "script, or -D" + SIGQUIT_PROPERTY + "=exit, to make it exit at once)"
                    + (mode == null ? "" : "; unknown " + SIGQUIT_PROPERTY + "=" + mode));
            return;
        }
        try {
            if (natives.exitOnSignal(new Signal("QUIT").getNumber())) {
                handled.add("SIGQUIT");
                return;
            }
            limits.add("SIGQUIT prints a JVM thread dump instead of exiting (" + nativeFailure(natives) + ")");
        } catch (IllegalArgumentException e) {
            limits.add("SIGQUIT not handled (" + e.getMessage() + ")");
        }
    }

    private static void run(String name, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException | Error e) {
            log.error("handling SIG{} failed", name, e);
        }
    }

    private static String nativeFailure(NativeSignals natives) {
        return natives.available() ? "libc signal() failed" : "JNA unavailable: " + natives.failure();
    }

    /**
     * Whether HotSpot suspends threads with SIGUSR2: it does unless {@code _JAVA_SR_SIGNUM} names
     * another signal in the range it accepts (above SIGSEGV and SIGBUS, below 65); it ignores any other
     * value with a warning.
     */
    static boolean jvmSuspendsWithSigusr2(String srSignum) {
        if (srSignum == null) {
            return true;
        }
        try {
            int moved = Integer.parseInt(srSignum.strip());
            return moved <= 11 || moved >= 65 || moved == new Signal("USR2").getNumber();
        } catch (NumberFormatException e) {
            return true;
        }
    }
}
