package io.pooler.bench.load;

import java.util.SplittableRandom;

/**
 * When a client starts its next transaction: at once (a closed loop, as pgbench without {@code -R}), on
 * a fixed schedule shared out over the clients, or never (idle: logged in and silent).
 *
 * <p>On a schedule, latency counts from the moment a transaction was due, not from when it was sent:
 * a client that falls behind sends late, and the time it waited is part of what it measured (no
 * coordinated omission).
 */
public final class Pacing {
    private final double totalPerSecond;
    private final boolean idle;

    private Pacing(double totalPerSecond, boolean idle) {
        this.totalPerSecond = totalPerSecond;
        this.idle = idle;
    }

    public static Pacing closedLoop() {
        return new Pacing(0, false);
    }

    /** Clients log in and then send nothing: the idle connections an application keeps open. */
    public static Pacing idle() {
        return new Pacing(0, true);
    }

    /** {@code totalPerSecond} transactions a second over all clients, each client at an even share. */
    public static Pacing fixedRate(double totalPerSecond) {
        if (!(totalPerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + totalPerSecond);
        }
        return new Pacing(totalPerSecond, false);
    }

    public boolean isClosedLoop() {
        return totalPerSecond == 0 && !idle;
    }

    public boolean isIdle() {
        return idle;
    }

    public double totalPerSecond() {
        return totalPerSecond;
    }

    /** The time between two transactions of one client, among {@code clients}. */
    public long intervalNanos(int clients) {
        if (totalPerSecond == 0) {
            return 0;
        }
        return Math.round(clients / totalPerSecond * 1e9);
    }

    /**
     * When a client's first transaction is due, from its login: a random point of its first interval,
     * so that clients that logged in together do not send together forever after.
     */
    public long firstDelayNanos(int clients, SplittableRandom random) {
        long interval = intervalNanos(clients);
        return interval == 0 ? 0 : random.nextLong(interval);
    }

    @Override
    public String toString() {
        return idle ? "idle" : isClosedLoop() ? "closed loop" : String.format("%.0f tx/s in total", totalPerSecond);
    }
}
