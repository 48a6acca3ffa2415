package io.pooler.server.process;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Run as {@code DaemonProbeMain PIDFILE LOGFILE [fail]}: the parent detaches with {@link Daemonizer}
 * and exits 0 once the child is up (1 on failure, with the message on stderr). The child writes the
 * pidfile and waits to be killed (at most a minute), or, with {@code fail}, prints an error and exits 2
 * the way a server that cannot bind would.
 */
public final class DaemonProbeMain {
    private DaemonProbeMain() {
    }

    public static void main(String[] args) throws Exception {
        Path pidfile = Path.of(args[0]);
        Path logfile = Path.of(args[1]);
        boolean fail = args.length > 2 && args[2].equals("fail");
        if (!Daemonizer.isDaemonChild()) {
            try {
                new Daemonizer(DaemonProbeMain.class, Duration.ofSeconds(15))
                        .detach(List.of(args), Optional.of(pidfile), Optional.of(logfile));
                System.exit(0);
            } catch (StartupException e) {
                System.err.println("pooler: " + e.getMessage());
                System.exit(1);
            }
        }
        if (fail) {
            System.err.println("probe failure: could not bind 127.0.0.1:6432: address already in use");
            System.exit(2);
        }
        Pidfile.claim(pidfile).write();
        System.out.println("daemon child running as " + ProcessHandle.current().pid());
        Thread.sleep(60_000); // a child process that idles until the test kills it
    }
}
