package io.pooler.bench.compare;

import java.time.Duration;

/** A client program that runs a scenario against a target and measures it. */
interface Driver {
    String name();

    /** Runs the scenario for {@code duration} against {@code target}, which is running. */
    Measurement run(Scenario scenario, Target target, Duration duration) throws Exception;
}
