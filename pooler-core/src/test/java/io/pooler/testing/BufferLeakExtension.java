package io.pooler.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Fails a test that leaked a buffer or released one twice, where otherwise the evidence would only be a
 * line in the log. Registered for every test class of every module that has pooler-core's test-jar, by
 * JUnit's extension autodetection (junit-platform.properties and
 * META-INF/services/org.junit.jupiter.api.extension.Extension in that jar).
 *
 * <p>After each test, an {@code IllegalReferenceCountException} or {@code LEAK:} logged while it ran
 * fails it. After each class, a forced garbage collection makes Netty report the buffers nobody released,
 * and any report fails the class. A leak is reported when the buffer is collected, which may be after
 * the test that lost it: the message names the test that was running when the report came.
 */
public final class BufferLeakExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback {

    static final Set<NettyLogWatch.Kind> FAILING = EnumSet.of(NettyLogWatch.Kind.LEAK,
            NettyLogWatch.Kind.REFERENCE_COUNT);

    @Override
    public void beforeAll(ExtensionContext context) {
        NettyLogWatch.install().testStarted(context.getDisplayName() + " (before all)");
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        NettyLogWatch.install().testStarted(context.getRequiredTestClass().getSimpleName() + "."
                + context.getDisplayName());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        NettyLogWatch watch = NettyLogWatch.install();
        watch.testStarted(context.getRequiredTestClass().getSimpleName() + " (after " + context.getDisplayName() + ")");
        verdict(watch.drain(FAILING), watch.dropped()).ifPresent(failure -> {
            throw new AssertionError(failure);
        });
    }

    @Override
    public void afterAll(ExtensionContext context) {
        NettyLogWatch watch = NettyLogWatch.install();
        watch.testStarted(context.getDisplayName() + " (after all)");
        NettyLogWatch.reportPendingLeaks();
        verdict(watch.drain(FAILING), watch.dropped()).ifPresent(failure -> {
            throw new AssertionError(failure);
        });
    }

    /** The failure message for these events, or empty when there are none. */
    static Optional<String> verdict(List<NettyLogWatch.Event> events, int dropped) {
        if (events.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(events.size() + " buffer ownership problem(s) logged"
                + (dropped > 0 ? " (" + dropped + " more since the run started were not kept)" : "")
                + "; every ByteBuf needs exactly one release on every path:\n"
                + events.stream().map(NettyLogWatch.Event::toString).collect(Collectors.joining("\n\n")));
    }
}
