package io.pooler.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggerContextListener;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.helpers.MessageFormatter;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sees every logging call in this JVM, on every thread, and keeps the ones that mean a buffer was
 * mishandled: Netty's {@code LEAK:} reports and any {@code IllegalReferenceCountException}, whether
 * thrown, wrapped, suppressed or only printed into a message. It also keeps the exceptions nobody
 * handled (Netty's "reached at the tail of the pipeline" and "A task raised an exception").
 *
 * <p>It is a Logback {@link TurboFilter}, which runs before the level check: a call at DEBUG that
 * prints nothing is still seen (the pooler logs errors after a close at DEBUG, which is where a double
 * release after a close lands). The leak detector's own logger is always let through, so a
 * configuration that turns it off cannot switch the check off. A Logback reset (the pooler's logging
 * setup does one) puts the filter back.
 *
 * <p>Netty reports a leak only when the garbage collector has collected the buffer and a later
 * allocation drains the detector's queue: {@link #reportPendingLeaks} forces both.
 *
 * <p>It also counts, without keeping them, the io_uring loop's warnings that its completion queue
 * overflowed ({@link #ringOverflows}): a loop that submits more operations in one pass than its ring
 * holds completions for, which the tests of many sockets on one loop check for.
 */
public final class NettyLogWatch extends TurboFilter {

    public enum Kind {
        /** {@code LEAK: ByteBuf.release() was not called before it's garbage-collected}. */
        LEAK,
        /** An {@code IllegalReferenceCountException}: a buffer released twice or used after release. */
        REFERENCE_COUNT,
        /** An exception reached the tail of a pipeline, or an event-loop task threw. */
        UNHANDLED
    }

    /** One logging call that matched: what kind, the formatted text, and the test running then. */
    public record Event(Kind kind, String logger, String thread, String message, String test) {
        @Override
        public String toString() {
            return kind + " during " + test + " [" + thread + "] " + logger + ": " + message;
        }
    }

    static final String LEAK_DETECTOR_LOGGER = "io.netty.util.ResourceLeakDetector";
    private static final String REFERENCE_COUNT_EXCEPTION = "IllegalReferenceCountException";
    private static final String PIPELINE_TAIL = "reached at the tail of the pipeline";
    private static final String TASK_RAISED = "A task raised an exception";
    static final String IO_URING_HANDLER_LOGGER = "io.netty.channel.uring.IoUringIoHandler";
    private static final String RING_OVERFLOW = "CompletionQueue overflow";
    /** Enough to diagnose; a runaway loop must not fill the heap with copies of one message. */
    private static final int MAX_KEPT = 200;
    private static final int MAX_MESSAGE_CHARS = 6000;

    private static NettyLogWatch installed;

    private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
    private final AtomicInteger kept = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger ringOverflows = new AtomicInteger();
    private volatile String currentTest = "(no test)";

    private NettyLogWatch() {
        setName("netty-log-watch");
    }

    /** The JVM's watch, added to Logback's context on the first call. */
    public static synchronized NettyLogWatch install() {
        if (installed == null) {
            if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
                throw new IllegalStateException("NettyLogWatch needs Logback as the SLF4J backend of the tests, found "
                        + LoggerFactory.getILoggerFactory().getClass().getName()
                        + ": add ch.qos.logback:logback-classic with test scope to this module");
            }
            NettyLogWatch watch = new NettyLogWatch();
            watch.setContext(context);
            watch.start();
            context.addTurboFilter(watch);
            context.addListener(new PutBackAfterReset(watch));
            installed = watch;
        }
        return installed;
    }

    /** Names the test that is running, for the events logged from now on. */
    public void testStarted(String name) {
        currentTest = name;
    }

    /** The events of these kinds seen so far, oldest first, leaving them in place. */
    public List<Event> events(Set<Kind> kinds) {
        List<Event> matching = new ArrayList<>();
        for (Event e : events) {
            if (kinds.contains(e.kind())) {
                matching.add(e);
            }
        }
        return matching;
    }

    /** Removes and returns the events of these kinds, oldest first. */
    public List<Event> drain(Set<Kind> kinds) {
        List<Event> taken = events(kinds);
        events.removeAll(taken);
        kept.addAndGet(-taken.size());
        return taken;
    }

    /**
     * How many times an io_uring event loop has warned, in this JVM so far, that its completion queue
     * overflowed. Counted, not kept: one overflow can warn a thousand times, and kept copies would
     * crowd out the leak reports.
     */
    public int ringOverflows() {
        return ringOverflows.get();
    }

    /** How many events were not kept because {@value #MAX_KEPT} already were. */
    public int dropped() {
        return dropped.get();
    }

    /**
     * Lets the garbage collector find buffers nobody released and makes Netty report them now: a full
     * collection, a moment for the reference handler to queue them, then allocations, which drain the
     * leak detector's queue. Twice, for buffers only reachable from objects freed in the first round.
     */
    public static void reportPendingLeaks() {
        for (int round = 0; round < 2; round++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            // Below paranoid level the detector samples; enough allocations make a sample certain enough.
            for (int i = 0; i < 256; i++) {
                ByteBuf pooled = ByteBufAllocator.DEFAULT.buffer(1);
                pooled.release();
                ByteBuf unpooled = Unpooled.buffer(1);
                unpooled.release();
            }
        }
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (format == null) {
            // An isXxxEnabled() question: the leak detector asks before it reports, so it must hear yes.
            return LEAK_DETECTOR_LOGGER.equals(logger.getName()) && level.isGreaterOrEqual(Level.ERROR)
                    ? FilterReply.ACCEPT : FilterReply.NEUTRAL;
        }
        countRingOverflow(logger.getName(), format);
        Kind kind = classify(logger.getName(), format, params, t);
        if (kind == null) {
            return FilterReply.NEUTRAL;
        }
        record(kind, logger.getName(), format, params, t);
        return kind == Kind.LEAK ? FilterReply.ACCEPT : FilterReply.NEUTRAL;
    }

    @Override
    public FilterReply decide(Logger logger, org.slf4j.event.LoggingEvent event) {
        // The SLF4J 2 fluent API; its key-value pairs are searched as well as the arguments.
        List<Object> args = new ArrayList<>();
        if (event.getArguments() != null) {
            args.addAll(event.getArguments());
        }
        if (event.getKeyValuePairs() != null) {
            for (KeyValuePair pair : event.getKeyValuePairs()) {
                args.add(pair.value);
            }
        }
        Object[] params = args.toArray();
        String format = event.getMessage() == null ? "" : event.getMessage();
        countRingOverflow(logger.getName(), format);
        Kind kind = classify(logger.getName(), format, params, event.getThrowable());
        if (kind != null) {
            record(kind, logger.getName(), format, params, event.getThrowable());
        }
        return FilterReply.NEUTRAL;
    }

    private void countRingOverflow(String logger, String format) {
        if (IO_URING_HANDLER_LOGGER.equals(logger) && format.startsWith(RING_OVERFLOW)) {
            ringOverflows.incrementAndGet();
        }
    }

    private static Kind classify(String logger, String format, Object[] params, Throwable t) {
        if (LEAK_DETECTOR_LOGGER.equals(logger) && format.startsWith("LEAK:")) {
            return Kind.LEAK;
        }
        if (mentionsReferenceCount(format, params, t)) {
            return Kind.REFERENCE_COUNT;
        }
        if (format.contains(PIPELINE_TAIL) || format.startsWith(TASK_RAISED)) {
            return Kind.UNHANDLED;
        }
        return null;
    }

    private static boolean mentionsReferenceCount(String format, Object[] params, Throwable t) {
        if (format.contains(REFERENCE_COUNT_EXCEPTION) || chainHasReferenceCount(t)) {
            return true;
        }
        if (params != null) {
            for (Object p : params) {
                // Strings and throwables only: calling toString() on any argument could have side effects.
                if (p instanceof CharSequence s && s.toString().contains(REFERENCE_COUNT_EXCEPTION)
                        || p instanceof Throwable thrown && chainHasReferenceCount(thrown)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean chainHasReferenceCount(Throwable t) {
        Set<Throwable> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayList<Throwable> pending = new ArrayList<>();
        if (t != null) {
            pending.add(t);
        }
        while (!pending.isEmpty()) {
            Throwable next = pending.remove(pending.size() - 1);
            if (!seen.add(next)) {
                continue;
            }
            if (next.getClass().getName().endsWith(REFERENCE_COUNT_EXCEPTION)
                    || String.valueOf(next.getMessage()).contains(REFERENCE_COUNT_EXCEPTION)) {
                return true;
            }
            if (next.getCause() != null) {
                pending.add(next.getCause());
            }
            pending.addAll(List.of(next.getSuppressed()));
        }
        return false;
    }

    private void record(Kind kind, String logger, String format, Object[] params, Throwable t) {
        if (kept.incrementAndGet() > MAX_KEPT) {
            kept.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        String message = MessageFormatter.arrayFormat(format, params, null).getMessage();
        Throwable thrown = t != null ? t : MessageFormatter.getThrowableCandidate(params);
        if (thrown != null) {
            StringBuilder text = new StringBuilder(message).append("\n  ").append(thrown);
            StackTraceElement[] frames = thrown.getStackTrace();
            for (int i = 0; i < Math.min(frames.length, 12); i++) {
                text.append("\n    at ").append(frames[i]);
            }
            for (Throwable cause = thrown.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
                text.append("\n  caused by ").append(cause);
            }
            message = text.toString();
        }
        if (message.length() > MAX_MESSAGE_CHARS) {
            message = message.substring(0, MAX_MESSAGE_CHARS) + "...";
        }
        events.add(new Event(kind, logger, Thread.currentThread().getName(), message, currentTest));
    }

    /** A Logback reset clears the turbo filters; this puts the watch back. */
    private record PutBackAfterReset(NettyLogWatch watch) implements LoggerContextListener {
        @Override
        public boolean isResetResistant() {
            return true;
        }

        @Override
        public void onReset(LoggerContext context) {
            if (!context.getTurboFilterList().contains(watch)) {
                context.addTurboFilter(watch);
            }
        }

        @Override
        public void onStart(LoggerContext context) {
        }

        @Override
        public void onStop(LoggerContext context) {
        }

        @Override
        public void onLevelChange(Logger logger, Level level) {
        }
    }
}
