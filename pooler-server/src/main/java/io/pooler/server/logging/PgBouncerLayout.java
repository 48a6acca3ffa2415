package io.pooler.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Formats a log line the way PgBouncer does, so log parsers written for it keep working:
 * {@code 2026-11-21 09:30:00.123 UTC [4242] LOG message}.
 *
 * <p>Levels print as PgBouncer's tags: ERROR (FATAL when the event carries {@link LoggingSetup#FATAL}),
 * WARNING, LOG, DEBUG, NOISE. Like PgBouncer, a message spanning several lines continues with a tab
 * after each newline, so one event stays recognisable as one entry; a stack trace follows the same rule.
 */
public final class PgBouncerLayout extends LayoutBase<ILoggingEvent> {
    // PgBouncer prints local time with the zone abbreviation (strftime "%Z").
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS z");

    private final ZoneId zone;
    private final long pid = ProcessHandle.current().pid();

    public PgBouncerLayout() {
        this(ZoneId.systemDefault());
    }

    PgBouncerLayout(ZoneId zone) {
        this.zone = zone;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        TIME.formatTo(event.getInstant().atZone(zone), line);
        line.append(" [").append(pid).append("] ").append(tag(event)).append(' ');
        appendContinued(line, event.getFormattedMessage());
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            appendContinued(line, "\n" + ThrowableProxyUtil.asString(thrown));
        }
        stripTrailingWhitespace(line);
        return line.append('\n').toString();
    }

    static String tag(ILoggingEvent event) {
        Level level = event.getLevel();
        if (level.isGreaterOrEqual(Level.ERROR)) {
            return isFatal(event) ? "FATAL" : "ERROR";
        } else if (level.isGreaterOrEqual(Level.WARN)) {
            return "WARNING";
        } else if (level.isGreaterOrEqual(Level.INFO)) {
            return "LOG";
        } else if (level.isGreaterOrEqual(Level.DEBUG)) {
            return "DEBUG";
        }
        return "NOISE";
    }

    private static boolean isFatal(ILoggingEvent event) {
        return event.getMarkerList() != null
                && event.getMarkerList().stream().anyMatch(marker -> marker.contains(LoggingSetup.FATAL));
    }

    private static void appendContinued(StringBuilder line, String text) {
        if (text == null) {
            return;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r') {
                continue;
            }
            line.append(c);
            if (c == '\n') {
                line.append('\t');
            }
        }
    }

    private static void stripTrailingWhitespace(StringBuilder line) {
        int end = line.length();
        while (end > 0 && Character.isWhitespace(line.charAt(end - 1))) {
            end--;
        }
        line.setLength(end);
    }
}
