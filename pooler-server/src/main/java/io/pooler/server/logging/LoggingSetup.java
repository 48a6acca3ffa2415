package io.pooler.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * Where log lines go and how many there are, as PgBouncer decides it: stderr unless {@code -q}, plus the
 * {@code logfile} when set; {@code -v} adds DEBUG lines and {@code -vv} NOISE (TRACE) lines. Netty's own
 * loggers stay at WARN below {@code -vv}, as they are chatty at DEBUG and say nothing about pooling.
 *
 * <p>Before {@link #configure} runs, {@link DefaultLogbackConfigurator} gives the same format on stderr.
 * An operator who passes {@code -Dlogback.configurationFile=...} keeps full control: this class then
 * leaves the configuration alone.
 */
public final class LoggingSetup {
    /** Marks an ERROR event that stops the process; printed as PgBouncer's FATAL. */
    public static final Marker FATAL = MarkerFactory.getMarker("FATAL");

    static final String NETTY_LOGGER = "io.netty";
    private static final String EXTERNAL_CONFIG_PROPERTY = "logback.configurationFile";

    // The current logfile appender, kept to reopen it after logrotate; guarded by LoggingSetup.class.
    private static FileAppender<ILoggingEvent> logfileAppender;

    private LoggingSetup() {
    }

    /**
     * Replaces the logging configuration.
     *
     * @param logfile   the {@code logfile} setting; lines are appended to it
     * @param quiet     {@code -q}: nothing on stderr
     * @param verbosity how many {@code -v}: 0 logs LOG and above, 1 adds DEBUG, 2 or more adds NOISE
     * @throws IOException when the logfile cannot be opened for appending (PgBouncer exits then too);
     *                     the previous configuration is kept
     */
    public static synchronized void configure(Optional<Path> logfile, boolean quiet, int verbosity) throws IOException {
        LoggerContext context = logbackContext();
        if (context == null || System.getProperty(EXTERNAL_CONFIG_PROPERTY) != null) {
            return;
        }
        if (logfile.isPresent()) {
            checkWritable(logfile.get());
        }
        // Build the new appenders before reset(), so a failure leaves the old configuration working.
        FileAppender<ILoggingEvent> file = null;
        if (logfile.isPresent()) {
            file = new FileAppender<>();
            file.setFile(logfile.get().toString());
            file.setAppend(true);
            start(context, file, "logfile");
            if (!file.isStarted()) {
                // Lost a race with whatever made the file unwritable since checkWritable.
                throw new IOException("Cannot open logfile: '" + logfile.get() + "'");
            }
        }
        ConsoleAppender<ILoggingEvent> stderr = quiet ? null : stderrAppender(context);
        context.reset();
        apply(context, stderr, file, verbosity);
        logfileAppender = file;
    }

    /**
     * Reopens the logfile under its configured name, so lines go to a new file after logrotate moved the
     * old one away. Lines logged meanwhile go to one file or the other, none are lost. If the file cannot
     * be opened, logging continues into the old one and a WARNING says why.
     */
    public static synchronized void reopen() {
        FileAppender<ILoggingEvent> file = logfileAppender;
        if (file == null) {
            return;
        }
        try {
            // openFile swaps the stream under the appender's own lock and closes the old one.
            file.openFile(file.getFile());
        } catch (IOException e) {
            LoggerFactory.getLogger(LoggingSetup.class).warn("cannot reopen logfile '{}': {}", file.getFile(), e.toString());
        }
    }

    /**
     * {@code syslog}, {@code syslog_ident}, {@code syslog_facility}: adds, replaces or removes the syslog
     * appender. Call after {@link #configure} (which starts from scratch) and after each reload.
     *
     * @throws IllegalArgumentException for an unknown facility; the previous syslog setup is kept
     */
    public static synchronized void syslog(boolean enabled, String ident, String facility) {
        useSyslog(enabled ? new SyslogAppender(SyslogAppender.DEFAULT_SOCKET, ident, facility) : null);
    }

    static synchronized void useSyslog(SyslogAppender appender) {
        LoggerContext context = logbackContext();
        if (context == null || System.getProperty(EXTERNAL_CONFIG_PROPERTY) != null) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        var previous = root.getAppender("syslog");
        if (appender != null) {
            appender.setContext(context);
            appender.start();
            root.addAppender(appender);
        }
        if (previous != null) {
            root.detachAppender(previous);
            previous.stop();
        }
    }

    /** The configuration used before {@link #configure}: stderr, LOG and above. */
    static void applyDefaults(LoggerContext context) {
        apply(context, stderrAppender(context), null, 0);
    }

    private static void apply(LoggerContext context, OutputStreamAppender<ILoggingEvent> stderr,
                              FileAppender<ILoggingEvent> file, int verbosity) {
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(verbosity <= 0 ? Level.INFO : verbosity == 1 ? Level.DEBUG : Level.TRACE);
        context.getLogger(NETTY_LOGGER).setLevel(verbosity >= 2 ? null : Level.WARN);
        if (stderr != null) {
            root.addAppender(stderr);
        }
        if (file != null) {
            root.addAppender(file);
        }
    }

    private static ConsoleAppender<ILoggingEvent> stderrAppender(LoggerContext context) {
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setTarget("System.err");
        start(context, stderr, "stderr");
        return stderr;
    }

    private static void start(LoggerContext context, OutputStreamAppender<ILoggingEvent> appender, String name) {
        PgBouncerLayout layout = new PgBouncerLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        appender.setContext(context);
        appender.setName(name);
        appender.setEncoder(encoder);
        appender.start();
    }

    // Logback reports an unopenable file only as a status message; opening it here first gives the
    // operator the reason (no such directory, permission denied) in PgBouncer's words.
    private static void checkWritable(Path logfile) throws IOException {
        try (OutputStream probe = Files.newOutputStream(logfile, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            probe.flush();
        } catch (IOException e) {
            throw new IOException("Cannot open logfile: '" + logfile + "': " + e, e);
        }
    }

    private static LoggerContext logbackContext() {
        return LoggerFactory.getILoggerFactory() instanceof LoggerContext context ? context : null;
    }
}
