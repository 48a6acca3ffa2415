package io.pooler.server.container;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.Optional;

/**
 * The container's preStop hook: PgBouncer's safe shutdown. Kubernetes stops a container with SIGTERM, which
 * to PgBouncer and Pooler means "wait until every client has left", something a pool of application
 * connections may never do. This sends SIGINT instead (stop accepting, let running transactions finish,
 * then exit) and waits for the process to end, so that the SIGTERM Kubernetes sends after the hook, which
 * Pooler would take as a second signal and exit at once, finds nothing left to stop.
 *
 * <p>{@code java -cp @/app/jib-classpath-file io.pooler.server.container.SafeShutdown [DELAY_SECONDS [PID]]}:
 * waits DELAY_SECONDS (default 0) first, so that Services stop sending new connections to a pod that is going
 * away before its listener closes; PID defaults to 1, the image's entrypoint. In a container the hook never
 * returns: Pooler's exit ends the container and the hook with it. Signals go through libc's {@code kill()}
 * (JNA, hence the full class path), since the JDK can send only SIGTERM and SIGKILL.
 */
public final class SafeShutdown {
    /** SIGINT's number on every platform Pooler runs on. */
    static final int SIGINT = 2;

    interface LibC extends Library {
        int kill(int pid, int signal);
    }

    private SafeShutdown() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 2) {
            System.err.println("usage: SafeShutdown [DELAY_SECONDS [PID]]");
            System.exit(2);
        }
        long delaySeconds = args.length > 0 ? Long.parseLong(args[0]) : 0;
        int pid = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Thread.sleep(delaySeconds * 1000);
        Optional<String> failure = interruptAndWait(pid);
        if (failure.isPresent()) {
            System.err.println("SafeShutdown: " + failure.get());
            System.exit(1);
        }
    }

    /** Sends SIGINT to {@code pid} and returns once it has exited; empty on success, else why it failed. */
    public static Optional<String> interruptAndWait(int pid) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty()) {
            return Optional.of("no process " + pid);
        }
        LibC libc = Native.load(Platform.C_LIBRARY_NAME, LibC.class);
        if (libc.kill(pid, SIGINT) != 0) {
            return Optional.of("kill(" + pid + ", SIGINT) failed, errno " + Native.getLastError());
        }
        process.get().onExit().join();
        return Optional.empty();
    }
}
