package io.pooler.server.process;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The two things about signals that sun.misc.Signal cannot do, done with libc's {@code signal()} through
 * JNA. Both only change a signal's disposition; no Java code ever runs in a native signal handler.
 * <ul>
 *   <li>{@link #resetToDefault}: the JVM refuses to handle SIGHUP, SIGINT or SIGTERM when the process
 *   started with them ignored ({@code nohup}, or {@code &} in a non-interactive shell). PgBouncer takes
 *   them regardless; resetting the disposition first lets the JVM take them too.</li>
 *   <li>{@link #exitOnSignal}: HotSpot keeps SIGQUIT for thread dumps and never passes it to Java.
 *   Installing libc's {@code _exit} as the handler ends the process at once, as PgBouncer does on
 *   SIGQUIT; {@code _exit} is async-signal-safe and takes the signal number as its exit status.</li>
 * </ul>
 * If JNA cannot load (no writable temp directory for its library, an unsupported libc), every method
 * answers false and the caller reports the signal as unavailable.
 */
final class NativeSignals {
    interface LibC extends Library {
        Pointer signal(int signal, Pointer handler);
    }

    private static final long SIG_ERR = -1;

    private final LibC libc;
    private final Pointer exitFunction;
    private final String failure;

    private NativeSignals(LibC libc, Pointer exitFunction, String failure) {
        this.libc = libc;
        this.exitFunction = exitFunction;
        this.failure = failure;
    }

    static NativeSignals load() {
        try {
            LibC libc = Native.load(Platform.C_LIBRARY_NAME, LibC.class);
            Pointer exit = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("_exit");
            return new NativeSignals(libc, exit, null);
        } catch (LinkageError | RuntimeException e) {
            return new NativeSignals(null, null, e.toString());
        }
    }

    boolean available() {
        return libc != null;
    }

    /** Why {@link #available()} is false, for the startup warning. */
    String failure() {
        return failure;
    }

    boolean resetToDefault(int signal) {
        return install(signal, Pointer.NULL);
    }

    boolean exitOnSignal(int signal) {
        return install(signal, exitFunction);
    }

    private boolean install(int signal, Pointer handler) {
        if (libc == null) {
            return false;
        }
        Pointer previous = libc.signal(signal, handler);
        return Pointer.nativeValue(previous) != SIG_ERR;
    }
}
