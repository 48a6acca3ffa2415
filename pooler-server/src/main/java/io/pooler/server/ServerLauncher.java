package io.pooler.server;

import io.pooler.config.Settings;
import io.pooler.server.cli.Launcher;
import io.pooler.server.cli.StartOptions;
import io.pooler.server.logging.LoggingSetup;
import io.pooler.server.process.Daemonizer;
import io.pooler.server.process.Lifecycle;
import io.pooler.server.process.Pidfile;
import io.pooler.server.process.QuietCollector;
import io.pooler.server.process.SignalDispatcher;
import io.pooler.server.process.StartupException;
import io.pooler.server.process.UserCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * Starts the daemon from the command line, in PgBouncer's order: read the config, set up logging,
 * check the user, detach when asked (-d), claim the pidfile, listen, take the signals, then wait for
 * a shutdown to finish and exit.
 */
public final class ServerLauncher implements Launcher {
    private static final Logger log = LoggerFactory.getLogger(ServerLauncher.class);

    @Override
    public int start(StartOptions options) throws Exception {
        RuntimeConfigLoader.Loaded loaded;
        try {
            loaded = RuntimeConfigLoader.load(options.configFile());
        } catch (RuntimeConfigLoader.LoadException e) {
            throw new StartupException(e.getMessage(), e);
        }
        Settings settings = loaded.config().config().settings();
        LoggingSetup.configure(settings.logfile(), options.quiet(), Math.max(options.verbosity(), settings.verbose()));
        try {
            LoggingSetup.syslog(settings.syslog(), settings.syslogIdent(), settings.syslogFacility());
        } catch (IllegalArgumentException e) {
            throw new StartupException(options.configFile() + ": " + e.getMessage(), e);
        }
        Optional<String> user = options.user().or(settings::user);
        if (user.isPresent()) {
            UserCheck.requireCurrentUser(user.get());
        }
        if (options.daemon() && !Daemonizer.isDaemonChild()) {
            new Daemonizer(Main.class).detach(options.daemonChildArguments(), settings.pidfile(), settings.logfile());
            return 0;
        }
        FileLimitCheck.warning(loaded.config()).ifPresent(log::warn);
        Pidfile pidfile = settings.pidfile().isPresent() ? Pidfile.claim(settings.pidfile().get()) : null;
        try {
            PoolerServer server = PoolerServer.start(options.configFile());
            server.exitIfShutdownStalls();
            if (pidfile != null) {
                pidfile.write();
            }
            SignalDispatcher signals = SignalDispatcher.install(new SignalLifecycle(server));
            log.debug("handling signals {}", signals.handledSignals());
            QuietCollector.startIfUseful(); // a daemon thread: ends with the process
            server.terminated().join();
            return 0;
        } finally {
            if (pidfile != null) {
                pidfile.close();
            }
        }
    }

    /** Signals to server actions; each hands off and returns, as the signal thread must not block. */
    private record SignalLifecycle(PoolerServer server) implements Lifecycle {
        @Override
        public void reload() {
            LoggingSetup.reopen();
            if (server.reload().isEmpty()) {
                Settings s = server.config().config().settings();
                try {
                    LoggingSetup.syslog(s.syslog(), s.syslogIdent(), s.syslogFacility());
                } catch (IllegalArgumentException e) {
                    log.warn("syslog settings not applied: {}", e.getMessage());
                }
            }
        }

        @Override
        public void shutdownWaitForServers() {
            server.shutdownWaitForServers();
        }

        @Override
        public void shutdownWaitForClients() {
            server.shutdownWaitForClients();
        }

        @Override
        public void shutdownImmediate() {
            server.shutdownImmediate();
        }

        @Override
        public void pause() {
            server.pause();
        }

        @Override
        public void resume() {
            server.resume();
        }

        @Override
        public boolean isShuttingDown() {
            return server.isShuttingDown();
        }

        @Override
        public boolean isSuspended() {
            return server.isSuspended();
        }
    }
}
