package io.pooler.server.admin;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.pool.Pool;
import io.pooler.server.PoolerRuntime;
import io.pooler.stats.PoolStats;
import io.pooler.stats.StatsLogLine;
import io.pooler.stats.StatsTotals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ends a stats period every {@code stats_period} seconds: moves the stats window on and, with
 * {@code log_stats}, logs PgBouncer's stats line for the period that ended. The period is read again
 * each time, so SET and RELOAD change it from the next tick.
 */
public final class StatsTicker {
    private static final Logger log = LoggerFactory.getLogger("io.pooler.stats");

    private final PoolerRuntime runtime;
    private final AdminState state;
    private final EventLoopGroup loops;
    private volatile ScheduledFuture<?> next;
    private volatile boolean stopped;

    public StatsTicker(PoolerRuntime runtime, AdminState state, EventLoopGroup loops) {
        this.runtime = runtime;
        this.state = state;
        this.loops = loops;
    }

    public void start() {
        schedule();
    }

    public void stop() {
        stopped = true;
        ScheduledFuture<?> f = next;
        if (f != null) {
            f.cancel(false);
        }
    }

    private void schedule() {
        if (stopped || loops.isShuttingDown()) {
            return;
        }
        long period = runtime.config().config().settings().statsPeriod().toMillis();
        next = loops.next().schedule(this::tick, period, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            List<PoolStats> stats = runtime.pools().all().stream().map(Pool::stats).toList();
            state.statsWindow().rotate(stats, now);
            if (runtime.config().config().settings().logStats()) {
                StatsTotals total = StatsTotals.ZERO;
                StatsTotals start = StatsTotals.ZERO;
                for (PoolStats s : stats) {
                    total = total.plus(s.totals());
                    start = start.plus(s.windowStart());
                }
                log.info(StatsLogLine.format(total.averageSince(start, state.statsWindow().lengthMicros(now))));
            }
        } catch (RuntimeException e) {
            log.error("stats period failed", e);
        } finally {
            schedule();
        }
    }
}
