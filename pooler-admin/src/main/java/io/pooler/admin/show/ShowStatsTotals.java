package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.stats.StatsTotals;

/**
 * SHOW STATS_TOTALS: the totals of SHOW STATS, under PgBouncer's shorter names; client_login_count last,
 * where PgBouncer's master (after 1.25.2) adds it.
 */
public final class ShowStatsTotals extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.text("database"),
                Column.numeric("server_assignment_count"), Column.numeric("xact_count"), Column.numeric("query_count"),
                Column.numeric("bytes_received"), Column.numeric("bytes_sent"), Column.numeric("xact_time"),
                Column.numeric("query_time"), Column.numeric("wait_time"), Column.numeric("client_parse_count"),
                Column.numeric("server_parse_count"), Column.numeric("bind_count"), Column.numeric("client_login_count"));
        for (DatabaseStats db : DatabaseStats.collect(backend)) {
            StatsTotals t = db.totals();
            rs.row(db.database(), t.serverAssignmentCount(), t.xactCount(), t.queryCount(), t.bytesReceived(),
                    t.bytesSent(), t.xactTimeMicros(), t.queryTimeMicros(), t.waitTimeMicros(), t.clientParseCount(),
                    t.serverParseCount(), t.bindCount(), t.clientLoginCount());
        }
        return rs;
    }
}
