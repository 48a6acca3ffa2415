package io.pooler.admin.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The Prometheus scrape endpoint: {@code GET /metrics} in the text exposition format. It serves one small
 * document every scrape interval, so the JDK's own HTTP server is enough and keeps Netty's pipelines free
 * of HTTP.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PrometheusEndpoint.class);
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;

    private PrometheusEndpoint(HttpServer server) {
        this.server = server;
    }

    /**
     * Binds and starts serving.
     *
     * @param host an address, or {@code *} for all
     */
    public static PrometheusEndpoint start(String host, int port, PrometheusMeterRegistry registry,
                                           PoolerMetrics metrics) throws IOException {
        InetSocketAddress address = host.equals("*") ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        HttpServer server = HttpServer.create(address, 16);
        server.createContext("/metrics", exchange -> serve(exchange, registry, metrics));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pooler-metrics");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        log.info("serving Prometheus metrics on http://{}:{}/metrics", host, server.getAddress().getPort());
        return new PrometheusEndpoint(server);
    }

    private static void serve(HttpExchange exchange, PrometheusMeterRegistry registry, PoolerMetrics metrics)
            throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            metrics.refresh();
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (RuntimeException e) {
            log.warn("metrics scrape failed", e);
            throw e;
        }
    }

    /** The port bound (useful when 0 was asked for). */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        if (server.getExecutor() instanceof java.util.concurrent.ExecutorService executor) {
            executor.shutdownNow();
        }
    }
}
