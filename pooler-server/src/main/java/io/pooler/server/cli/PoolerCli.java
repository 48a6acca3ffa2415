package io.pooler.server.cli;

import io.pooler.server.logging.LoggingSetup;
import io.pooler.server.process.StartupException;
import io.pooler.server.process.UserCheck;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;

/**
 * The command line, with PgBouncer's answers and exit statuses: {@code -h} and {@code -V} print to stdout
 * and exit 0; a usage error prints "pooler: ..." and {@code Try "pooler --help" ...} to stderr and exits 1,
 * as does a missing configuration file ("no configuration file specified"). Otherwise the
 * {@link Launcher} runs and its status is the exit status.
 */
public final class PoolerCli {
    static final String NAME = "pooler";

    private static final Logger log = LoggerFactory.getLogger(PoolerCli.class);

    private PoolerCli() {
    }

    /** Runs the command line {@code args}; returns the process exit status. */
    public static int run(String[] args, Launcher launcher) {
        return run(args, launcher, System.out, System.err);
    }

    static int run(String[] args, Launcher launcher, PrintStream out, PrintStream err) {
        CommandLineOptions parsed = new CommandLineOptions();
        CommandLine commandLine = new CommandLine(parsed)
                // "@file" would otherwise read arguments from a file: not a PgBouncer feature.
                .setExpandAtFiles(false);
        try {
            commandLine.parseArgs(args);
        } catch (MissingParameterException e) {
            return usageError(err, "no configuration file specified");
        } catch (ParameterException e) {
            return usageError(err, e.getMessage());
        }
        if (commandLine.isUsageHelpRequested()) {
            commandLine.usage(writer(out));
            return 0;
        }
        if (commandLine.isVersionHelpRequested()) {
            commandLine.printVersionHelp(writer(out));
            return 0;
        }
        if (parsed.configFile == null) {
            return usageError(err, "no configuration file specified");
        }
        if (parsed.reboot) {
            err.println(NAME + ": online restart (-R, --reboot) is not supported; for a rolling restart run "
                    + "several processes with so_reuseport = 1 and stop them one by one with SIGTERM "
                    + "(SHUTDOWN WAIT_FOR_CLIENTS)");
            return 1;
        }
        StartOptions options = new StartOptions(parsed.configFile, parsed.daemon, parsed.quiet,
                parsed.verbose.length, Optional.ofNullable(parsed.user));
        if (options.user().isPresent()) {
            try {
                UserCheck.requireCurrentUser(options.user().get());
            } catch (StartupException e) {
                err.println(NAME + ": " + e.getMessage());
                return 1;
            }
        }
        return launch(launcher, options);
    }

    private static int launch(Launcher launcher, StartOptions options) {
        try {
            return launcher.start(options);
        } catch (StartupException e) {
            log.error(LoggingSetup.FATAL, e.getMessage());
            return 1;
        } catch (Exception e) {
            log.error(LoggingSetup.FATAL, "cannot start: {}", e.toString(), e);
            return 1;
        }
    }

    private static int usageError(PrintStream err, String message) {
        err.println(NAME + ": " + message);
        err.println("Try \"" + NAME + " --help\" for more information.");
        return 1;
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new java.io.OutputStreamWriter(stream, Charset.defaultCharset()), true);
    }
}
