package io.pooler.server.it;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * How long a chaos run lasts: its planned time, and past it, up to a hard end, until the run has done
 * enough for its checks to mean something. Every thread of the run goes on while {@link #stop()} is
 * unset and the hard end has not come; the watcher calls {@link #closeIfDone()} as it polls.
 *
 * <p>Why: the chaos tests count what the clients got (answers of each kind) to show that the chaos
 * left room for work, and a fixed time made that count a measure of the machine. A CI run once got a
 * fifth of the usual answers in its ten seconds, on code whose runs here got 170 to 1,000, and went
 * red. A slow machine now makes the run longer, not red; a pooler that stops answering still fails,
 * at the hard end, with the counts it reached.
 */
final class RunWindow {
    /** How much longer than planned a run may go on to do enough. */
    private static final int STRETCH = 4;

    private final AtomicBoolean stop = new AtomicBoolean();
    private final long plannedEndNanos;
    private final long hardEndNanos;
    private final BooleanSupplier enough;

    /** A window open from now for {@code planned}, and past it up to four times that until {@code enough}. */
    RunWindow(Duration planned, BooleanSupplier enough) {
        long now = System.nanoTime();
        this.plannedEndNanos = now + planned.toNanos();
        this.hardEndNanos = now + planned.toNanos() * STRETCH;
        this.enough = enough;
    }

    /** Set once the window closes (or the test ends); every thread of the run stops on it. */
    AtomicBoolean stop() {
        return stop;
    }

    /** When the run would end on a machine fast enough: a disruptor that times its blows spreads them over this. */
    long plannedEndNanos() {
        return plannedEndNanos;
    }

    /** When the run ends whatever it has done. */
    long hardEndNanos() {
        return hardEndNanos;
    }

    /** Whether the run's threads should go on. */
    boolean isOpen() {
        return !stop.get() && System.nanoTime() < hardEndNanos;
    }

    /** Closes the window once the planned time has passed and the run has done enough. */
    void closeIfDone() {
        if (System.nanoTime() >= plannedEndNanos && enough.getAsBoolean()) {
            stop.set(true);
        }
    }

    /** Closes the window now. */
    void close() {
        stop.set(true);
    }
}
