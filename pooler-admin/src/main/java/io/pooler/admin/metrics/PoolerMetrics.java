package io.pooler.admin.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pooler.admin.AdminBackend;
import io.pooler.admin.PoolView;
import io.pooler.pool.PoolKey;
import io.pooler.stats.ErrorCounters;
import io.pooler.stats.ErrorKind;
import io.pooler.stats.PoolStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Pooler's Micrometer meters, named after Prometheus conventions once exported ({@code pooler_*}, with
 * {@code database} and {@code user} labels):
 * <ul>
 *   <li>{@code pooler_pool_clients{state=active|waiting}}, {@code pooler_pool_servers{state=active|idle|used|tested|login}},
 *       {@code pooler_pool_max_wait_seconds}: the SHOW POOLS counts, read on each pool's shards' loops at scrape time;</li>
 *   <li>{@code pooler_pool_pinned_clients}: SHOW POOLS' {@code cl_pinned}, the clients kept on their server by
 *       session state (also counted in {@code pooler_pool_clients});</li>
 *   <li>{@code pooler_queries_total}, {@code pooler_transactions_total}, {@code pooler_server_assignments_total},
 *       {@code pooler_received_bytes_total}, {@code pooler_sent_bytes_total}: SHOW STATS' totals;</li>
 *   <li>{@code pooler_errors_total{kind}}: errors sent to clients and server logins that failed, by kind;</li>
 *   <li>{@code pooler_query_duration_seconds}, {@code pooler_transaction_duration_seconds},
 *       {@code pooler_client_wait_seconds}: histograms;</li>
 *   <li>{@code pooler_client_connections}: every client connection, logging in or logged in.</li>
 * </ul>
 * The counters read the pools' own stats, so they never disagree with SHOW STATS; only the histograms are
 * recorded a second time, from a {@link io.pooler.stats.LatencyListener}, and only while metrics are on,
 * each event loop into counts of its own ({@link PoolDurations}, exported by {@link DurationCollector}).
 */
public final class PoolerMetrics {
    /** Histogram buckets from half a millisecond to half a minute. */
    private static final Duration[] BUCKETS = {
            Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private final PrometheusMeterRegistry registry;
    private final DurationCollector durations = new DurationCollector(BUCKETS);
    private final AdminBackend backend;
    /** The meters of each pool exported, with the stats they read. */
    private final ConcurrentHashMap<PoolKey, Binding> bound = new ConcurrentHashMap<>();
    private final MultiGauge clients;
    private final MultiGauge servers;
    private final MultiGauge maxWait;
    private final MultiGauge pinned;

    public PoolerMetrics(PrometheusMeterRegistry registry, AdminBackend backend, ErrorCounters poolLessErrors) {
        this.registry = registry;
        registry.getPrometheusRegistry().register(durations);
        this.backend = backend;
        clients = MultiGauge.builder("pooler.pool.clients").description("Client connections of a pool, by state")
                .register(registry);
        servers = MultiGauge.builder("pooler.pool.servers").description("Server connections of a pool, by state")
                .register(registry);
        maxWait = MultiGauge.builder("pooler.pool.max.wait").baseUnit("seconds")
                .description("How long the oldest waiting client of a pool has waited").register(registry);
        pinned = MultiGauge.builder("pooler.pool.pinned.clients")
                .description("Clients of a pool kept on their server by session state (SHOW POOLS cl_pinned)")
                .register(registry);
        Gauge.builder("pooler.client.connections", backend, b -> b.clientCount() + b.loginClients())
                .description("Client connections, logging in or logged in, the console's included").register(registry);
        FunctionCounter.builder("pooler.notifications.delivered", backend, AdminBackend::notificationsDelivered)
                .description("NOTIFY messages handed to clients by the multiplexed listeners").register(registry);
        bindErrors(Tags.of("database", "", "user", ""), poolLessErrors);
    }

    /**
     * Starts exporting a pool's stats; a pool bound twice is bound once. A new pool under the name of a
     * retired one replaces its meters. The stats of a freed pool are not bound: a scrape that listed the
     * pool before it was freed comes here after {@link #unbindPool}, and would bind them for good. NOTE:
     * the pool marks its stats before the unbind, which takes the same lock as the check here, so either
     * the bind comes first and is undone, or it sees the mark.
     */
    public void bindPool(PoolKey key, PoolStats stats) {
        Binding current = bound.get(key);
        if (current != null && current.stats() == stats) {
            return;
        }
        synchronized (bound) { // once per pool
            current = bound.get(key);
            if ((current != null && current.stats() == stats) || stats.ofFreedPool()) {
                return;
            }
            if (current != null) {
                removeMeters(key, current);
            }
            Tags tags = Tags.of("database", key.database(), "user", key.user());
            List<Meter> meters = new ArrayList<>();
            meters.add(counter("pooler.queries", "Queries pooled (SHOW STATS total_query_count)", tags, stats,
                    s -> s.totals().queryCount(), null));
            meters.add(counter("pooler.transactions", "Transactions pooled (total_xact_count)", tags, stats,
                    s -> s.totals().xactCount(), null));
            meters.add(counter("pooler.server.assignments", "Times a server was linked to a client", tags, stats,
                    s -> s.totals().serverAssignmentCount(), null));
            meters.add(counter("pooler.received", "Bytes received from clients", tags, stats,
                    s -> s.totals().bytesReceived(), "bytes"));
            meters.add(counter("pooler.sent", "Bytes sent to clients", tags, stats, s -> s.totals().bytesSent(), "bytes"));
            meters.addAll(bindErrors(tags, stats.errors()));
            stats.listener(durations.bind(key));
            bound.put(key, new Binding(stats, meters));
        }
    }

    /** A retired pool's meters and histograms go (PgBouncer forgets a freed database's statistics). */
    public void unbindPool(PoolKey key, PoolStats stats) {
        synchronized (bound) {
            Binding current = bound.get(key);
            if (current != null && current.stats() == stats) {
                removeMeters(key, current);
                bound.remove(key);
            }
        }
    }

    private void removeMeters(PoolKey key, Binding binding) {
        binding.meters().forEach(registry::remove);
        durations.unbind(key);
    }

    /** Reads the pools' counts; called before each scrape. Binds pools not seen yet. */
    public void refresh() {
        List<MultiGauge.Row<?>> clientRows = new ArrayList<>();
        List<MultiGauge.Row<?>> serverRows = new ArrayList<>();
        List<MultiGauge.Row<?>> waitRows = new ArrayList<>();
        List<MultiGauge.Row<?>> pinnedRows = new ArrayList<>();
        for (PoolView pool : backend.pools()) {
            bindPool(pool.counts().key(), pool.stats());
            Tags tags = Tags.of("database", pool.database(), "user", pool.user());
            var c = pool.counts();
            clientRows.add(MultiGauge.Row.of(tags.and("state", "active"), c.clActive()));
            clientRows.add(MultiGauge.Row.of(tags.and("state", "waiting"), c.clWaiting() + c.clLogin()));
            serverRows.add(MultiGauge.Row.of(tags.and("state", "active"), c.svActive()));
            serverRows.add(MultiGauge.Row.of(tags.and("state", "idle"), c.svIdle()));
            serverRows.add(MultiGauge.Row.of(tags.and("state", "used"), c.svUsed()));
            serverRows.add(MultiGauge.Row.of(tags.and("state", "tested"), c.svTested()));
            serverRows.add(MultiGauge.Row.of(tags.and("state", "login"), c.svLogin()));
            waitRows.add(MultiGauge.Row.of(tags, c.maxWaitMicros() / 1e6));
            pinnedRows.add(MultiGauge.Row.of(tags, pool.clPinned()));
        }
        clients.register(clientRows, true);
        servers.register(serverRows, true);
        maxWait.register(waitRows, true);
        pinned.register(pinnedRows, true);
    }

    private List<Meter> bindErrors(Tags tags, ErrorCounters errors) {
        List<Meter> meters = new ArrayList<>();
        for (ErrorKind kind : ErrorKind.values()) {
            meters.add(FunctionCounter.builder("pooler.errors", errors, e -> e.get(kind))
                    .description("Errors by kind: sent to clients, or server logins that failed")
                    .tags(tags.and("kind", kind.label())).register(registry));
        }
        return meters;
    }

    private record Binding(PoolStats stats, List<Meter> meters) {
    }

    private <T> Meter counter(String name, String description, Tags tags, T source, ToDoubleFunction<T> value,
                              String unit) {
        return FunctionCounter.builder(name, source, value).description(description).baseUnit(unit).tags(tags)
                .register(registry);
    }
}
