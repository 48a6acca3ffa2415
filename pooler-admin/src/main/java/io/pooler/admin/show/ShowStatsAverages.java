package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.stats.StatsAverages;

/**
 * SHOW STATS_AVERAGES: the averages of SHOW STATS. The prepared-statement columns keep their {@code avg_}
 * prefix here, as in PgBouncer's src/stats.c; avg_client_login_count last, as on its master (after 1.25.2).
 */
public final class ShowStatsAverages extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.text("database"),
                Column.numeric("server_assignment_count"), Column.numeric("xact_count"), Column.numeric("query_count"),
                Column.numeric("bytes_received"), Column.numeric("bytes_sent"), Column.numeric("xact_time"),
                Column.numeric("query_time"), Column.numeric("wait_time"), Column.numeric("avg_client_parse_count"),
                Column.numeric("avg_server_parse_count"), Column.numeric("avg_bind_count"),
                Column.numeric("avg_client_login_count"));
        long window = backend.statsWindowMicros();
        for (DatabaseStats db : DatabaseStats.collect(backend)) {
            StatsAverages a = db.averages(window);
            rs.row(db.database(), a.serverAssignmentCount(), a.xactCount(), a.queryCount(), a.bytesReceived(),
                    a.bytesSent(), a.xactTimeMicros(), a.queryTimeMicros(), a.waitTimeMicros(), a.clientParseCount(),
                    a.serverParseCount(), a.bindCount(), a.clientLoginCount());
        }
        return rs;
    }
}
