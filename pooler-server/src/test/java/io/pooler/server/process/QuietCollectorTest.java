package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When the quiet-time full collection runs: once per quiet spell, never while collections happen. */
class QuietCollectorTest {
    private final AtomicLong gcCount = new AtomicLong();
    private final AtomicInteger fullCollections = new AtomicInteger();
    private final QuietCollector collector = new QuietCollector(gcCount::get, () -> {
        fullCollections.incrementAndGet();
        gcCount.incrementAndGet(); // the full collection counts as one
    });

    @Test
    void collectsOnceAfterAQuietIntervalThenWaitsForActivity() {
        assertFalse(collector.check(), "the first tick only takes the count");
        gcCount.addAndGet(3); // busy: young collections
        assertFalse(collector.check());
        assertTrue(collector.check(), "a whole interval without a collection");
        assertEquals(1, fullCollections.get());
        assertFalse(collector.check(), "nothing happened since our own collection");
        assertFalse(collector.check());
        gcCount.incrementAndGet(); // activity again
        assertFalse(collector.check());
        assertTrue(collector.check(), "quiet again");
        assertEquals(2, fullCollections.get());
    }

    @Test
    void neverCollectsWhileCollectionsKeepHappening() {
        for (int i = 0; i < 10; i++) {
            gcCount.incrementAndGet();
            assertFalse(collector.check());
        }
        assertEquals(0, fullCollections.get());
    }
}
