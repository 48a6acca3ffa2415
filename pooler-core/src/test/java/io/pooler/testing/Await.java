package io.pooler.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition instead of sleeping a fixed time before an assertion: as short as the machine
 * allows when it is quick, as long as the deadline when it is loaded. The deadlines are generous on
 * purpose; a passing test never waits for them.
 */
public final class Await {
    private static final long POLL_MILLIS = 20;

    private Await() {
    }

    /**
     * Returns as soon as {@code condition} holds; throws an {@link AssertionError} with {@code what}
     * (what was expected) once {@code deadline} has passed without it.
     */
    public static void until(Duration deadline, BooleanSupplier condition, Supplier<String> what) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("not within " + deadline.toMillis() + " ms: " + what.get());
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting: " + what.get(), e);
            }
        }
    }

    /** {@link #until(Duration, BooleanSupplier, Supplier)} with a fixed message. */
    public static void until(Duration deadline, BooleanSupplier condition, String what) {
        until(deadline, condition, () -> what);
    }

    /**
     * A condition that may throw (a query, say, or a lookup that asserts its row exists): an exception
     * or a failed assertion counts as "not yet".
     */
    public static BooleanSupplier quietly(CheckedCondition condition) {
        return () -> {
            try {
                return condition.holds();
            } catch (Exception | AssertionError notYet) {
                return false;
            }
        };
    }

    /** A condition that may throw a checked exception. */
    @FunctionalInterface
    public interface CheckedCondition {
        boolean holds() throws Exception;
    }
}
