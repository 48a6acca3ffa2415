package io.pooler.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * PgBouncer's {@code syslog = 1}: each line goes to the local syslog socket as libc's
 * {@code syslog()} would send it after {@code openlog(syslog_ident, LOG_PID, syslog_facility)}:
 * {@code <PRI>Mmm dd hh:mm:ss ident[pid]: message}. As in PgBouncer the message has no level tag; the
 * priority carries it (FATAL crit, ERROR err, WARNING warning, LOG info, DEBUG/NOISE debug).
 */
public final class SyslogAppender extends AppenderBase<ILoggingEvent> {
    /** Where libc's syslog() writes. */
    public static final String DEFAULT_SOCKET = "/dev/log";

    private static final Map<String, Integer> FACILITIES = Map.ofEntries(
            Map.entry("auth", 4), Map.entry("authpriv", 10), Map.entry("daemon", 3), Map.entry("user", 1),
            Map.entry("local0", 16), Map.entry("local1", 17), Map.entry("local2", 18), Map.entry("local3", 19),
            Map.entry("local4", 20), Map.entry("local5", 21), Map.entry("local6", 22), Map.entry("local7", 23));
    // RFC 3164 timestamp, as glibc writes it: day of month padded with a space.
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ENGLISH);

    private final String socketPath;
    private final String ident;
    private final int facility;
    private final long pid = ProcessHandle.current().pid();
    private final ZoneId zone = ZoneId.systemDefault();
    private SyslogSocket socket;

    /**
     * @throws IllegalArgumentException for a facility PgBouncer does not accept
     */
    public SyslogAppender(String socketPath, String ident, String facility) {
        Integer code = FACILITIES.get(facility.toLowerCase(Locale.ROOT));
        if (code == null) {
            throw new IllegalArgumentException("unknown syslog_facility \"" + facility
                    + "\" (auth, authpriv, daemon, user, local0 to local7)");
        }
        this.socketPath = socketPath;
        this.ident = ident;
        this.facility = code;
        setName("syslog");
    }

    @Override
    public void start() {
        try {
            socket = new SyslogSocket(socketPath);
        } catch (LinkageError | RuntimeException e) {
            addError("syslog is unavailable: " + e);
            return;
        }
        super.start();
    }

    @Override
    public void stop() {
        super.stop();
        if (socket != null) {
            socket.close();
        }
    }

    /** AppenderBase calls this under its own lock, one event at a time. */
    @Override
    protected void append(ILoggingEvent event) {
        socket.send(record(event));
    }

    String record(ILoggingEvent event) {
        int priority = facility * 8 + severity(event);
        String message = event.getFormattedMessage();
        return "<" + priority + ">" + TIMESTAMP.format(event.getInstant().atZone(zone)) + " " + ident + "[" + pid + "]: "
                + (message == null ? "" : message.replace("\n", "\n\t"));
    }

    private static int severity(ILoggingEvent event) {
        return switch (PgBouncerLayout.tag(event)) {
            case "FATAL" -> 2;
            case "ERROR" -> 3;
            case "WARNING" -> 4;
            case "LOG" -> 6;
            default -> 7; // DEBUG and NOISE
        };
    }
}
