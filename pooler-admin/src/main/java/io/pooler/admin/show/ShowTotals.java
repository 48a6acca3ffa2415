package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.stats.StatsAverages;
import io.pooler.stats.StatsTotals;

/**
 * SHOW TOTALS: SHOW STATS added up over every database, one row per figure. The row names are PgBouncer's
 * internal ones ({@code total_client_bytes}, {@code avg_ps_bind_count}...), as its src/stats.c prints them.
 */
public final class ShowTotals extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        DatabaseStats all = DatabaseStats.sum(DatabaseStats.collect(backend));
        StatsTotals t = all.totals();
        StatsAverages a = all.averages(backend.statsWindowMicros());
        ResultSet rs = ResultSet.of(Column.text("name"), Column.numeric("value"));
        rs.row("total_server_assignment_count", t.serverAssignmentCount());
        rs.row("total_xact_count", t.xactCount());
        rs.row("total_query_count", t.queryCount());
        rs.row("total_client_bytes", t.bytesReceived());
        rs.row("total_server_bytes", t.bytesSent());
        rs.row("total_xact_time", t.xactTimeMicros());
        rs.row("total_query_time", t.queryTimeMicros());
        rs.row("total_wait_time", t.waitTimeMicros());
        rs.row("total_ps_client_parse_count", t.clientParseCount());
        rs.row("total_ps_server_parse_count", t.serverParseCount());
        rs.row("total_ps_bind_count", t.bindCount());
        rs.row("total_client_login_count", t.clientLoginCount());
        rs.row("avg_server_assignment_count", a.serverAssignmentCount());
        rs.row("avg_xact_count", a.xactCount());
        rs.row("avg_query_count", a.queryCount());
        rs.row("avg_client_bytes", a.bytesReceived());
        rs.row("avg_server_bytes", a.bytesSent());
        rs.row("avg_xact_time", a.xactTimeMicros());
        rs.row("avg_query_time", a.queryTimeMicros());
        rs.row("avg_wait_time", a.waitTimeMicros());
        rs.row("avg_ps_client_parse_count", a.clientParseCount());
        rs.row("avg_ps_server_parse_count", a.serverParseCount());
        rs.row("avg_ps_bind_count", a.bindCount());
        rs.row("avg_client_login_count", a.clientLoginCount());
        return rs;
    }
}
