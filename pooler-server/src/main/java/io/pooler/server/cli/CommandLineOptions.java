package io.pooler.server.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** PgBouncer's command line, {@code pooler [-d] [-R] [-q] [-v ...] [-u user] [-V] [-h] config.ini}, for picocli. */
@Command(
        name = "pooler",
        mixinStandardHelpOptions = true,
        versionProvider = VersionLines.class,
        sortOptions = false,
        headerHeading = "",
        header = "pooler is a connection pooler for PostgreSQL, a drop-in replacement for PgBouncer.%n",
        synopsisHeading = "Usage:%n  ",
        customSynopsis = "pooler [OPTION]... CONFIG_FILE",
        parameterListHeading = "%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nSignals:%n",
        footer = {
            "  SIGHUP    reload the configuration",
            "  SIGINT    shut down once every server connection is released",
            "  SIGTERM   shut down once every client has left",
            "            (a second SIGINT or SIGTERM exits at once)",
            "  SIGUSR1   pause",
            "  SIGUSR2   resume  (*)",
            "  SIGQUIT   exit at once  (*)",
            "  (*) The JVM keeps these for itself unless started through the pooler",
            "      launcher script, or with _JAVA_SR_SIGNUM=64 and -Dpooler.sigquit=exit."
        })
final class CommandLineOptions {
    @Parameters(arity = "0..1", paramLabel = "CONFIG_FILE", description = "The configuration file, in pgbouncer.ini format.")
    Path configFile;

    @Option(names = {"-d", "--daemon"}, description = "Run in the background. The JVM cannot fork: this starts a detached copy "
            + "of itself in a new session, and exits once that copy has written the pidfile, or fails "
            + "with its error. Needs pidfile in the configuration file.")
    boolean daemon;

    @Option(names = {"-q", "--quiet"}, description = "Do not log to stderr; the logfile is still written.")
    boolean quiet;

    @Option(names = {"-R", "--reboot"}, description = "Not supported: PgBouncer's deprecated online restart, which hands "
            + "sockets from the old process to the new one. For a rolling restart, run several "
            + "processes with so_reuseport = 1 and stop them one by one with SIGTERM.")
    boolean reboot;

    @Option(names = {"-u", "--user"}, paramLabel = "USERNAME", description = "Run as USERNAME. The JVM cannot switch users, so Pooler must already "
            + "run as USERNAME (systemd User=, runuser -u USERNAME --) and refuses to start otherwise.")
    String user;

    @Option(names = {"-v", "--verbose"}, description = "Increase verbosity: -v logs DEBUG lines, -vv also NOISE and Netty's own.")
    boolean[] verbose = new boolean[0];
}
