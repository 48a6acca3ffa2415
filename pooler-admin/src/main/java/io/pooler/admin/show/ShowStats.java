package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.stats.Percentiles;
import io.pooler.stats.StatsAverages;
import io.pooler.stats.StatsTotals;

import java.util.ArrayList;
import java.util.List;

/**
 * SHOW STATS: per database, PgBouncer's totals since start and averages over the stats window, then the
 * p50/p95/p99 of query, transaction and client wait time over the same window, in microseconds. The
 * client login columns stand where PgBouncer's master (after 1.25.2) puts them, after the bind counts.
 */
public final class ShowStats extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        List<Column> columns = new ArrayList<>();
        columns.add(Column.text("database"));
        for (String name : List.of(
                "total_server_assignment_count", "total_xact_count", "total_query_count", "total_received",
                "total_sent", "total_xact_time", "total_query_time", "total_wait_time", "total_client_parse_count",
                "total_server_parse_count", "total_bind_count", "total_client_login_count", "avg_server_assignment_count", "avg_xact_count",
                "avg_query_count", "avg_recv", "avg_sent", "avg_xact_time", "avg_query_time", "avg_wait_time",
                "avg_client_parse_count", "avg_server_parse_count", "avg_bind_count", "avg_client_login_count",
                "p50_query_time", "p95_query_time", "p99_query_time", "p50_xact_time", "p95_xact_time",
                "p99_xact_time", "p50_wait_time", "p95_wait_time", "p99_wait_time")) {
            columns.add(Column.numeric(name));
        }
        ResultSet rs = new ResultSet(columns);
        long window = backend.statsWindowMicros();
        for (DatabaseStats db : DatabaseStats.collect(backend)) {
            StatsTotals t = db.totals();
            StatsAverages a = db.averages(window);
            Percentiles q = db.latency().queryPercentiles();
            Percentiles x = db.latency().xactPercentiles();
            Percentiles w = db.latency().waitPercentiles();
            rs.row(db.database(),
                    t.serverAssignmentCount(), t.xactCount(), t.queryCount(), t.bytesReceived(), t.bytesSent(),
                    t.xactTimeMicros(), t.queryTimeMicros(), t.waitTimeMicros(), t.clientParseCount(),
                    t.serverParseCount(), t.bindCount(), t.clientLoginCount(),
                    a.serverAssignmentCount(), a.xactCount(), a.queryCount(), a.bytesReceived(), a.bytesSent(),
                    a.xactTimeMicros(), a.queryTimeMicros(), a.waitTimeMicros(), a.clientParseCount(),
                    a.serverParseCount(), a.bindCount(), a.clientLoginCount(),
                    q.p50(), q.p95(), q.p99(), x.p50(), x.p95(), x.p99(), w.p50(), w.p95(), w.p99());
        }
        return rs;
    }
}
