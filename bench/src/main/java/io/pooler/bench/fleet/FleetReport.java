package io.pooler.bench.fleet;

import io.pooler.bench.compare.MachineInfo;
import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.pooler.bench.fleet.FleetResult.millis;

/** The fleet comparison's table (fleet.md) and its CSV (fleet.csv). */
final class FleetReport {
    static final String FILE = "fleet.md";
    static final String CSV = "fleet.csv";

    private FleetReport() {
    }

    static String brief(FleetMeasurement m) {
        if (m.failed()) {
            return String.format(Locale.ROOT, "round %d  %-22s FAILED: %s", m.round(), m.targetName(), m.failure());
        }
        FleetResult r = m.result();
        String line = String.format(Locale.ROOT,
                "round %d  %-22s %,6.0f req/s  p50 %6.2f  p99 %7.2f  p99.9 %7.2f ms  wait p99 %6.2f ms  errors %d"
                        + "  retries %d  servers %d (postgres %d)  cpu %.0f%%  rss %.0f MB",
                m.round(), m.targetName(), r.requestsPerSecond(), millis(r.requestMicros(), 50),
                millis(r.requestMicros(), 99), millis(r.requestMicros(), 99.9), millis(r.waitMicros(), 99), m.errors(),
                r.retries(), m.maxServers(), m.maxPostgresServers(), m.cpuPercent(), m.maxRssBytes() / 1048576.0);
        if (m.compilerCpuPercent() > 0) {
            line += String.format(Locale.ROOT, "  (JIT compiler %.1f%% of a core)", m.compilerCpuPercent());
        }
        if (m.errors() > 0 && !r.errorSamples().isEmpty()) {
            line += "  (" + r.errorSamples().get(0) + ")";
        }
        StringBuilder trips = new StringBuilder();
        r.statementMicros().forEach((kind, h) -> trips.append(String.format(Locale.ROOT, "  %s %d", kind,
                h.getValueAtPercentile(50))));
        return trips.isEmpty() ? line : line + "\n         round trips, p50 µs:" + trips;
    }

    /**
     * The round trip of each kind of statement, p50 / p99 in µs, one row per target and round: where a
     * difference in request latency comes from.
     */
    static String statementTable(List<FleetMeasurement> all) {
        List<String> kinds = all.stream().filter(m -> !m.failed())
                .flatMap(m -> m.result().statementMicros().keySet().stream()).distinct().toList();
        if (kinds.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("\n## Round trips per statement\n\n");
        md.append("p50 / p99 in µs, as the fleet's client sees them (from sending the Query to its ReadyForQuery;"
                + " the notify's login from opening the connection to the welcome's ReadyForQuery).\n\n");
        md.append("| Client connections | Target | Round | ").append(String.join(" | ", kinds)).append(" |\n");
        md.append("|--:|---|--:|").append("--:|".repeat(kinds.size())).append('\n');
        for (FleetMeasurement m : all) {
            if (m.failed()) {
                continue;
            }
            md.append(String.format(Locale.ROOT, "| %,d | %s | %d |", m.shape().clientConnections(), m.targetName(), m.round()));
            for (String kind : kinds) {
                Histogram h = m.result().statementMicros().get(kind);
                md.append(h == null ? " |" : String.format(Locale.ROOT, " %d / %d |", h.getValueAtPercentile(50),
                        h.getValueAtPercentile(99)));
            }
            md.append('\n');
        }
        return md.toString();
    }

    static String markdown(Map<String, String> machine, List<FleetMeasurement> all) {
        StringBuilder md = new StringBuilder("# Odoo fleet: PgBouncer and Pooler on the kit's pooler.ini\n\n");
        md.append("Produced by `java -jar bench/target/pooler-bench.jar fleet` (see README.md, Benchmarks).\n\n");
        md.append("## Machine\n\n").append(MachineInfo.render(machine)).append('\n');
        md.append("## Fleets\n\n");
        all.stream().map(FleetMeasurement::shape).distinct()
                .forEach(s -> md.append("- ").append(s.describe()).append('\n'));
        md.append("\n## Results\n\n");
        md.append("| Client connections | Target | Round | Requests/s | p50 ms | p99 ms | p99.9 ms | Wait p50 / p99 ms"
                + " | Errors | Retries | Notifies sent / received | Server connections max (postgres) | Pooler CPU %"
                + " | Pooler RSS MB | JIT compiler CPU % |\n");
        md.append("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (FleetMeasurement m : all) {
            if (m.failed()) {
                md.append(String.format(Locale.ROOT, "| %,d | %s | %d | failed: %s ||||||||||||\n",
                        m.shape().clientConnections(), m.targetName(), m.round(), m.failure().replace('|', '/').replace("\n", " / ")));
                continue;
            }
            FleetResult r = m.result();
            md.append(String.format(Locale.ROOT,
                    "| %,d | %s | %d | %,.0f | %.2f | %.2f | %.2f | %.2f / %.2f | %d | %d | %,d / %,d | %d (%d) | %.0f | %.0f | %s |\n",
                    m.shape().clientConnections(), m.targetName(), m.round(), r.requestsPerSecond(),
                    millis(r.requestMicros(), 50), millis(r.requestMicros(), 99), millis(r.requestMicros(), 99.9),
                    millis(r.waitMicros(), 50), millis(r.waitMicros(), 99), m.errors(), r.retries(), r.notifies(),
                    r.notificationsReceived(), m.maxServers(), m.maxPostgresServers(), m.cpuPercent(),
                    m.maxRssBytes() / 1048576.0, m.compilerCpuPercent() > 0
                            ? String.format(Locale.ROOT, "%.1f", m.compilerCpuPercent()) : "-"));
        }
        md.append("""

                - Requests: HTTP requests of the prefork workers, from when each was due (Poisson arrivals) to
                  the end of its post-commit notify; a request due while its worker is busy waits, and that
                  wait counts (no coordinated omission).
                - Wait: the round trip of each transaction's `BEGIN ISOLATION LEVEL REPEATABLE READ` (HTTP,
                  cron and bus reads): in transaction pooling the pooler lends a server when BEGIN arrives,
                  so this is the wait for a server plus one round trip, measured the same way for both poolers.
                - Errors: every ErrorResponse other than the concurrency failures Odoo retries, every failed
                  login and lost connection, from the first login to the end, plus workers stalled longer
                  than the measured interval. Retries: requests run again after a serialization failure,
                  deadlock or NOWAIT lock failure (`40001`, `40P01`, `55P03`), as Odoo does.
                - Notifies: post-commit `pg_notify` calls, each on a fresh login to `postgres`; received:
                  NotificationResponses on the gevent processes' `LISTEN imbus` connections (each notify
                  reaches every host).
                - Server connections: the odoo role's backends in `pg_stat_activity`, sampled twice a second
                  while measuring; the budget (`max_user_connections`) is 190.
                - Pooler CPU: user + system time of the pooler process over the measured interval, in % of one
                  core; RSS: its largest `VmRSS` while measuring. JIT compiler: of that CPU, what a JVM's
                  compiler threads used (a lower bound: the JVM ends idle compiler threads); the load before
                  measuring is repeated while they take more than 5 % of its CPU.
                """);
        md.append(statementTable(all));
        List<String> errors = all.stream().filter(m -> !m.failed() && m.errors() > 0)
                .map(m -> "- " + String.format(Locale.ROOT, "%,d", m.shape().clientConnections()) + " clients, "
                        + m.targetName() + ": " + String.join("; ", m.result().errorSamples())
                        + (m.result().stalled() > 0 ? (m.result().errorSamples().isEmpty() ? "" : "; ") + m.result().stalled()
                        + " workers with a request due longer ago than the measured interval (overloaded)" : ""))
                .toList();
        if (!errors.isEmpty()) {
            md.append("\n## Errors\n\n").append(String.join("\n", errors)).append('\n');
        }
        return md.toString();
    }

    static String csv(List<FleetMeasurement> all) {
        StringBuilder csv = new StringBuilder("clients,hosts,target,round,requests_per_s,p50_ms,p99_ms,p999_ms,wait_p50_ms,"
                + "wait_p99_ms,errors,retries,notifies,notifications,max_servers,max_postgres_servers,cpu_percent,rss_mb,"
                + "jit_compiler_cpu_percent\n");
        for (FleetMeasurement m : all) {
            if (m.failed()) {
                continue;
            }
            FleetResult r = m.result();
            csv.append(String.format(Locale.ROOT, "%d,%d,%s,%d,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%d,%d,%d,%d,%d,%d,%.1f,%.1f,%.1f%n",
                    m.shape().clientConnections(), m.shape().hosts(), m.targetKey(), m.round(), r.requestsPerSecond(),
                    millis(r.requestMicros(), 50), millis(r.requestMicros(), 99), millis(r.requestMicros(), 99.9),
                    millis(r.waitMicros(), 50), millis(r.waitMicros(), 99), m.errors(), r.retries(), r.notifies(),
                    r.notificationsReceived(), m.maxServers(), m.maxPostgresServers(), m.cpuPercent(),
                    m.maxRssBytes() / 1048576.0, m.compilerCpuPercent()));
        }
        return csv.toString();
    }
}
