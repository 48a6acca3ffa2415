package io.pooler.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The lines one logger (and those below it) writes while a test runs, kept in memory: what Logback's
 * {@link ListAppender} gives, attached on creation and detached on {@link #close}. Attach it after a
 * pooler has started where the pooler's logging setup may reset Logback.
 */
public final class CapturedLog implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private CapturedLog(String loggerName) {
        this.logger = (Logger) LoggerFactory.getLogger(loggerName);
        appender.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        appender.start();
        logger.addAppender(appender);
    }

    /** Starts capturing what {@code loggerName} and the loggers below it write. */
    public static CapturedLog of(String loggerName) {
        return new CapturedLog(loggerName);
    }

    /**
     * A copy of the lines so far. A logging thread may be adding one: Logback appends while holding the
     * appender's lock (AppenderBase.doAppend is synchronized), so the copy takes it too.
     */
    public List<ILoggingEvent> events() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    /** The first line whose text contains {@code text}; fails if there is none. */
    public ILoggingEvent first(String text) {
        return events().stream().filter(e -> e.getFormattedMessage().contains(text)).findFirst()
                .orElseThrow(() -> new AssertionError("no log line with \"" + text + "\" in " + events()));
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
