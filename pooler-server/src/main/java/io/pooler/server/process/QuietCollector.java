package io.pooler.server.process;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A full collection once the pooler has gone quiet, so that the memory of clients that left goes back
 * to the system: what G1's {@code G1PeriodicGCInterval} does, for the Serial (and Parallel) collector the
 * launcher runs, which shrink their heap (down to {@code MaxHeapFreeRatio}) only in a full collection,
 * and a quiet process never needs one. "Quiet" means no collection at all during one whole interval; the
 * collection runs once per quiet spell, not again while nothing has happened since the last one.
 *
 * <p>Collectors that give memory back on their own (G1, ZGC, Shenandoah) are left alone, as is a JVM
 * run with {@code -XX:+DisableExplicitGC}. The interval is {@code -Dpooler.quietGcSeconds} (default 20,
 * so that memory comes back within a minute of the clients leaving; 0 turns this off). A busy pooler
 * collects all the time and never gets here; a nearly idle one pays one full collection of its small
 * heap per quiet spell.
 *
 * <p>Threads: its own daemon thread; {@link #check} is called from there only.
 */
public final class QuietCollector {
    private static final Logger log = LoggerFactory.getLogger(QuietCollector.class);
    public static final String INTERVAL_PROPERTY = "pooler.quietGcSeconds";
    static final long DEFAULT_INTERVAL_SECONDS = 20;

    private final LongSupplier collections;
    private final Runnable collect;
    private long countAtLastCheck = -1;
    private long countAfterOwnCollection = -1;

    /** @param collections how many collections the JVM has run so far; @param collect runs a full one */
    QuietCollector(LongSupplier collections, Runnable collect) {
        this.collections = collections;
        this.collect = collect;
    }

    /** One tick: collects when no collection ran since the last tick and something ran since our own. */
    boolean check() {
        long count = collections.getAsLong();
        boolean quiet = count == countAtLastCheck && count != countAfterOwnCollection;
        if (quiet) {
            collect.run();
            count = collections.getAsLong();
            countAfterOwnCollection = count;
        }
        countAtLastCheck = count;
        return quiet;
    }

    /** Starts the ticks on a daemon thread when this JVM's collector needs them; returns it, or null. */
    public static ScheduledExecutorService startIfUseful() {
        long seconds = Long.getLong(INTERVAL_PROPERTY, DEFAULT_INTERVAL_SECONDS);
        List<GarbageCollectorMXBean> beans = ManagementFactory.getGarbageCollectorMXBeans();
        boolean shrinksByItself = beans.stream().map(GarbageCollectorMXBean::getName)
                .anyMatch(name -> name.startsWith("G1") || name.startsWith("ZGC") || name.startsWith("Shenandoah"));
        boolean explicitGcDisabled = ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:+DisableExplicitGC");
        if (seconds <= 0 || shrinksByItself || explicitGcDisabled) {
            return null;
        }
        QuietCollector collector = new QuietCollector(
                () -> beans.stream().mapToLong(bean -> Math.max(0, bean.getCollectionCount())).sum(),
                QuietCollector::fullCollection);
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pooler-quiet-gc");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(() -> {
            try {
                collector.check();
            } catch (RuntimeException e) {
                log.warn("quiet-time collection failed: {}", e.toString());
            }
        }, seconds, seconds, TimeUnit.SECONDS);
        return thread;
    }

    @SuppressWarnings("java:S1215") // the explicit collection is the point: the JVM would not run one
    private static void fullCollection() {
        long start = System.nanoTime();
        System.gc();
        log.debug("quiet for a while: full collection in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
}
