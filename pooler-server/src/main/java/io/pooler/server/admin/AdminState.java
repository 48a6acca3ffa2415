package io.pooler.server.admin;

import io.pooler.admin.AdminBackend.PauseMode;
import io.pooler.stats.ErrorCounters;
import io.pooler.stats.StatsWindow;

import io.pooler.pool.Pool;
import io.pooler.server.backend.PoolWatcher;
import io.pooler.server.client.DisabledDatabases;
import io.pooler.server.client.SuspendGate;
import io.pooler.server.client.Suspension;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What the admin console changes and observes across the process: PAUSE/SUSPEND, paused and disabled
 * databases, the open console sessions, the shared stats window and the errors not tied to a pool.
 *
 * The session side sees it only through the narrow views it implements: {@link Suspension},
 * {@link DisabledDatabases} and {@link PoolWatcher}.
 *
 * <p>Threads: every field is a concurrent set or volatile; any loop may read, the console writes.
 */
public final class AdminState implements Suspension, DisabledDatabases, PoolWatcher {
    private volatile PauseMode pauseMode = PauseMode.NONE;
    private final Set<String> pausedDatabases = ConcurrentHashMap.newKeySet();
    private final Set<String> disabledDatabases = ConcurrentHashMap.newKeySet();
    private final Set<ConsoleSession> consoles = ConcurrentHashMap.newKeySet();
    private final Set<SuspendGate> gates = ConcurrentHashMap.newKeySet();
    private final ErrorCounters errors = new ErrorCounters();
    private final StatsWindow statsWindow = new StatsWindow(System.nanoTime());
    private volatile Consumer<Pool> newPoolListener = pool -> { };
    private volatile Consumer<Pool> retiredPoolListener = pool -> { };

    public PauseMode pauseMode() {
        return pauseMode;
    }

    void pauseMode(PauseMode mode) {
        this.pauseMode = mode;
    }

    /** PAUSE db or KILL db: the database's own flag (SHOW DATABASES' paused column). */
    public boolean isDatabasePaused(String database) {
        return pausedDatabases.contains(database);
    }

    /** Whether a pool of this database should hold its clients: a global PAUSE or its own. */
    @Override
    public boolean holdsQueries(String database) {
        return pauseMode == PauseMode.PAUSE || pausedDatabases.contains(database);
    }

    Set<String> pausedDatabases() {
        return pausedDatabases;
    }

    @Override
    public boolean isDisabled(String database) {
        return disabledDatabases.contains(database);
    }

    void setDisabled(String database, boolean disabled) {
        if (disabled) {
            disabledDatabases.add(database);
        } else {
            disabledDatabases.remove(database);
        }
    }

    Set<ConsoleSession> consoles() {
        return consoles;
    }

    Set<SuspendGate> gates() {
        return gates;
    }

    @Override
    public void holding(SuspendGate gate) {
        gates.add(gate);
    }

    @Override
    public void released(SuspendGate gate) {
        gates.remove(gate);
    }

    @Override
    public boolean isSuspended() {
        return pauseMode == PauseMode.SUSPEND;
    }

    /** Errors sent to clients that had no pool yet (bad database, limits, the console). */
    public ErrorCounters errors() {
        return errors;
    }

    public StatsWindow statsWindow() {
        return statsWindow;
    }

    /** Metrics export binds each pool as it is created, and unbinds it once it is retired. */
    void onPools(Consumer<Pool> created, Consumer<Pool> retired) {
        this.newPoolListener = created;
        this.retiredPoolListener = retired;
    }

    /** Called by the pool maker for each new pool. */
    @Override
    public void poolCreated(Pool pool) {
        newPoolListener.accept(pool);
    }

    /** Called by the pool maker for each pool it retires. */
    @Override
    public void poolRetired(Pool pool) {
        retiredPoolListener.accept(pool);
    }
}
