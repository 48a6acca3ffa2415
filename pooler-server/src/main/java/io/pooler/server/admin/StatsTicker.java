package io.pooler.server.admin;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolSnapshot;
import io.pooler.stats.ErrorKind;
import io.pooler.pool.PoolRegistry;
import io.pooler.server.RuntimeConfig;
import io.pooler.stats.PoolStats;
import io.pooler.stats.StatsLogLine;
import io.pooler.stats.StatsTotals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Ends a stats period every {@code stats_period} seconds: moves the stats window on and, with
 * {@code log_stats}, logs PgBouncer's stats line for the period that ended. The period is read again
 * each time, so SET and RELOAD change it from the next tick.
 *
 * <p>Between ticks it samples each pool's load (clients queued, servers busy, reserve in use) into
 * the pool's {@link io.pooler.stats.LoadWindow} about ten times a period, at most once a second and at
 * least every 100 ms: what SHOW ADVICE reasons from. A sample is the pool's snapshot, taken under its
 * lock as SHOW POOLS takes it.
 */
public final class StatsTicker {
    private static final Logger log = LoggerFactory.getLogger("io.pooler.stats");

    private final Supplier<RuntimeConfig> config;
    private final PoolRegistry pools;
    private final AdminState state;
    private final EventLoopGroup loops;
    private volatile ScheduledFuture<?> next;
    private volatile ScheduledFuture<?> nextSample;
    private volatile boolean stopped;

    public StatsTicker(Supplier<RuntimeConfig> config, PoolRegistry pools, AdminState state, EventLoopGroup loops) {
        this.config = config;
        this.pools = pools;
        this.state = state;
        this.loops = loops;
    }

    public void start() {
        schedule();
        scheduleSample();
    }

    public void stop() {
        stopped = true;
        for (ScheduledFuture<?> f : new ScheduledFuture<?>[] {next, nextSample}) {
            if (f != null) {
                f.cancel(false);
            }
        }
    }

    private void scheduleSample() {
        if (stopped || loops.isShuttingDown()) {
            return;
        }
        long period = config.get().config().settings().statsPeriod().toMillis();
        long every = Math.max(100, Math.min(1000, period / 10));
        nextSample = loops.next().schedule(this::sample, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Reads every pool's counts on its shards' loops (never waiting on this loop for another) and
     * records them once all have answered; the next sample is scheduled after that, so two samples of
     * one pool never overlap.
     */
    private void sample() {
        List<java.util.concurrent.CompletableFuture<Void>> recorded = new java.util.ArrayList<>();
        try {
            for (Pool pool : pools.all()) {
                recorded.add(pool.snapshotAsync().thenAccept(s -> pool.stats().load().record(
                        s.clWaiting() + s.clLogin(), s.svActive(), s.totalServers(), pool.settings().poolSize(),
                        pool.stats().errors().get(ErrorKind.QUERY_WAIT_TIMEOUT))));
            }
        } catch (RuntimeException e) {
            log.error("load sample failed", e);
        }
        java.util.concurrent.CompletableFuture.allOf(recorded.toArray(java.util.concurrent.CompletableFuture[]::new))
                .whenComplete((v, failure) -> {
                    if (failure != null) {
                        log.error("load sample failed", failure);
                    }
                    scheduleSample();
                });
    }

    private void schedule() {
        if (stopped || loops.isShuttingDown()) {
            return;
        }
        long period = config.get().config().settings().statsPeriod().toMillis();
        next = loops.next().schedule(this::tick, period, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            List<PoolStats> stats = pools.all().stream().map(Pool::stats).toList();
            state.statsWindow().rotate(stats, now);
            if (config.get().config().settings().logStats()) {
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
