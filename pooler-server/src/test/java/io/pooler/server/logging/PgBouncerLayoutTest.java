package io.pooler.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class PgBouncerLayoutTest {
    private static final Instant AT = Instant.parse("2026-11-21T09:30:00.123Z");
    private static final long PID = ProcessHandle.current().pid();

    private final LoggerContext context = new LoggerContext();
    private final PgBouncerLayout layout = new PgBouncerLayout(ZoneId.of("UTC"));

    @Test
    void linesLookLikePgBouncersWithItsLevelNames() {
        assertEquals("2026-11-21 09:30:00.123 UTC [" + PID + "] LOG C-17 odoo/odoo@10.0.0.5:51234 login attempt\n",
                layout.doLayout(event(Level.INFO, "C-{} odoo/odoo@10.0.0.5:51234 login attempt", 17)));
        assertEquals(" WARNING ", tagOf(Level.WARN));
        assertEquals(" ERROR ", tagOf(Level.ERROR));
        assertEquals(" DEBUG ", tagOf(Level.DEBUG));
        assertEquals(" NOISE ", tagOf(Level.TRACE));
    }

    @Test
    void fatalMarkerPrintsFatal() {
        LoggingEvent fatal = event(Level.ERROR, "daemon needs pidfile configured");
        fatal.addMarker(LoggingSetup.FATAL);
        assertEquals("2026-11-21 09:30:00.123 UTC [" + PID + "] FATAL daemon needs pidfile configured\n", layout.doLayout(fatal));
    }

    @Test
    void localTimeWithTheZoneAbbreviation() {
        String line = new PgBouncerLayout(ZoneId.of("Europe/Paris")).doLayout(event(Level.INFO, "x"));
        assertTrue(line.startsWith("2026-11-21 10:30:00.123 CET ["), line);
    }

    @Test
    void continuationLinesStartWithATabAndTrailingSpaceIsDropped() {
        assertEquals("2026-11-21 09:30:00.123 UTC [" + PID + "] LOG first\n\tsecond\n\tthird\n",
                layout.doLayout(event(Level.INFO, "first\r\nsecond\nthird \n")));
    }

    @Test
    void stackTraceFollowsAsContinuationLines() {
        LoggingEvent failed = event(Level.ERROR, "handling SIGHUP failed");
        failed.setThrowableProxy(new ch.qos.logback.classic.spi.ThrowableProxy(new IllegalStateException("boom")));
        String text = layout.doLayout(failed);
        String[] lines = text.split("\n");
        assertTrue(lines[0].endsWith("] ERROR handling SIGHUP failed"), text);
        assertEquals("\tjava.lang.IllegalStateException: boom", lines[1]);
        for (int i = 1; i < lines.length; i++) {
            assertTrue(lines[i].startsWith("\t"), "line " + i + " of\n" + text);
        }
    }

    private String tagOf(Level level) {
        String line = layout.doLayout(event(level, "m"));
        return line.substring(line.indexOf(']') + 1, line.lastIndexOf('m'));
    }

    private LoggingEvent event(Level level, String message, Object... args) {
        LoggingEvent event = new LoggingEvent(getClass().getName(), context.getLogger("test"), level, message, null, args);
        event.setInstant(AT);
        return event;
    }
}
