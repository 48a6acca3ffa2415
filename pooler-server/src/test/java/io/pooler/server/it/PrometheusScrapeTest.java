package io.pooler.server.it;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pooler.admin.metrics.PoolerMetrics;
import io.pooler.pool.Pool;
import io.pooler.stats.ErrorCounters;
import io.pooler.testing.Await;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Prometheus endpoint: off by default, and when on, pool, stats, error and histogram metrics. */
@PoolerTest
class PrometheusScrapeTest {
    private static final String LABELS = "database=\"" + DB + "\",user=\"" + SCRAM_USER + "\"";

    private final PoolerFixture pooler;

    PrometheusScrapeTest(PoolerFixture pooler) {
        this.pooler = pooler;
    }

    @Test
    void offUnlessConfigured() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).start();
        assertEquals(-1, pooler.server().metricsPort());
    }

    @Test
    void scrapeShowsPoolsStatsErrorsAndHistograms() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD)
                .set("metrics_listen_addr", "127.0.0.1").set("metrics_listen_port", "0").start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            // Counted in the pool's series once the pool exists; a failed login makes none of its own.
            assertThrows(SQLException.class, () -> pooler.connectSimple(DB, SCRAM_USER, "wrong"));
            for (int i = 0; i < 5; i++) {
                queryString(c, "select 1");
            }
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pooler.server().metricsPort() + "/metrics"))
                            .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            String body = response.body();
            assertTrue(value(body, "pooler_queries_total", "") >= 5, body);
            assertTrue(value(body, "pooler_transactions_total", "") >= 5);
            assertTrue(value(body, "pooler_received_bytes_total", "") > 0);
            assertTrue(value(body, "pooler_sent_bytes_total", "") > 0);
            assertEquals(1, value(body, "pooler_pool_clients", ",state=\"active\""));
            assertEquals(1, value(body, "pooler_pool_servers", ",state=\"active\""), "session mode: linked");
            assertEquals(1, value(body, "pooler_errors_total", ",kind=\"auth\""), "the wrong password");
            assertTrue(value(body, "pooler_query_duration_seconds_count", "") >= 5);
            assertTrue(body.contains("pooler_query_duration_seconds_bucket{" + LABELS + ",le=\"0.001\"}"), body);
            assertTrue(body.contains("# TYPE pooler_query_duration_seconds histogram"), body);
            assertTrue(body.contains("pooler_client_wait_seconds_bucket{"), body);
            assertTrue(body.contains("pooler_transaction_duration_seconds_sum{"), body);
        }
    }

    @Test
    void pinnedClientsAreCountedPerPool() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("pool_mode", "transaction").set("default_pool_size", "2")
                .set("metrics_listen_addr", "127.0.0.1").set("metrics_listen_port", "0").start();
        try (Connection pinned = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD);
             Connection other = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            queryString(other, "select 1");
            assertEquals(0, value(scrape(), "pooler_pool_pinned_clients", ""));
            queryString(pinned, "select pg_advisory_lock(77)::text");
            assertEquals(1, value(scrape(), "pooler_pool_pinned_clients", ""), "a session advisory lock pins");
            queryString(pinned, "select pg_advisory_unlock_all()::text");
            assertEquals(0, value(scrape(), "pooler_pool_pinned_clients", ""), "unlocked: no longer pinned");
        }
    }

    /**
     * A pool freed by autodb_idle_timeout takes its series with it; the pool made again for the same
     * name is exported afresh, its counts its own (not the freed pool's, frozen).
     */
    @Test
    void aFreedPoolsSeriesGoAndTheNewPoolsReplaceThem() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("server_idle_timeout", "1").set("autodb_idle_timeout", "1")
                .set("metrics_listen_addr", "127.0.0.1").set("metrics_listen_port", "0").start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            for (int i = 0; i < 3; i++) {
                queryString(c, "select 1");
            }
        }
        assertTrue(value(scrape(), "pooler_queries_total", "") >= 3);
        Await.until(Duration.ofSeconds(15), Await.quietly(() -> !scrape().contains(LABELS)),
                "every series of the freed pool gone");
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            queryString(c, "select 1");
            double queries = value(scrape(), "pooler_queries_total", "");
            assertTrue(queries >= 1 && queries < 3, "the new pool's own count, not the freed pool's: " + queries);
        }
    }

    /**
     * A scrape reads the list of pools, then binds the meters of each pool it has not seen. A pool freed
     * between the two was bound again after its meters were removed, and its series stayed until a new
     * pool of the same name replaced them: frozen counts of a pool that no longer exists, for good where
     * none came. Here that scrape's late bind is made by hand, with the pool as the list held it.
     */
    @Test
    void aPoolFreedAfterAScrapeListedItIsNotBoundAgain() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("server_idle_timeout", "1").set("autodb_idle_timeout", "1")
                .set("metrics_listen_addr", "127.0.0.1").set("metrics_listen_port", "0").start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            queryString(c, "select 1");
        }
        Pool listed = pooler.server().pools().stream().filter(p -> p.key().database().equals(DB)).findFirst().orElseThrow();
        Await.until(Duration.ofSeconds(15), listed::retired, "the pool freed");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PoolerMetrics metrics = new PoolerMetrics(registry, pooler.server().adminBackend(), new ErrorCounters());
        metrics.bindPool(listed.key(), listed.stats());
        assertEquals(List.of(), registry.find("pooler.queries").tag("database", DB).meters(),
                "a freed pool's meters are not bound again");
        assertFalse(registry.scrape().contains(LABELS), "no series of the freed pool");
    }

    private String scrape() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pooler.server().metricsPort() + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    /** The value of a sample with the pool's labels (and the extra ones, sorted after them). */
    private static double value(String body, String name, String extraLabels) {
        String labels = extraLabels.contains("kind") ? "database=\"" + DB + "\"," + extraLabels.substring(1) + ",user=\""
                + SCRAM_USER + "\"" : extraLabels.contains("state") ? "database=\"" + DB + "\"" + extraLabels
                + ",user=\"" + SCRAM_USER + "\"" : LABELS;
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$").matcher(body);
        assertTrue(m.find(), name + "{" + labels + "} in\n" + body);
        return Double.parseDouble(m.group(1));
    }
}
