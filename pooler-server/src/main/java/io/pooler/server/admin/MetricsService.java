package io.pooler.server.admin;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pooler.admin.metrics.PoolerMetrics;
import io.pooler.admin.metrics.PrometheusEndpoint;
import io.pooler.config.Settings;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolRegistry;

import java.io.IOException;

/**
 * The Prometheus endpoint when {@code metrics_listen_addr} is set: a registry, Pooler's meters bound to
 * every pool as it is created, and the HTTP listener.
 */
public final class MetricsService implements AutoCloseable {
    private final PrometheusEndpoint endpoint;

    private MetricsService(PrometheusEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** Null when metrics are not configured. */
    public static MetricsService startIfConfigured(Settings settings, ServerAdminBackend backend, PoolRegistry pools)
            throws IOException {
        String addr = settings.metricsListenAddr();
        if (addr == null || addr.isBlank()) {
            return null;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AdminState state = backend.state();
        PoolerMetrics metrics = new PoolerMetrics(registry, backend, state.errors());
        state.onPools(pool -> metrics.bindPool(pool.key(), pool.stats()),
                pool -> metrics.unbindPool(pool.key(), pool.stats()));
        for (Pool pool : pools.all()) {
            metrics.bindPool(pool.key(), pool.stats());
        }
        return new MetricsService(PrometheusEndpoint.start(addr.trim(), settings.metricsListenPort(), registry, metrics));
    }

    public int port() {
        return endpoint.port();
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
