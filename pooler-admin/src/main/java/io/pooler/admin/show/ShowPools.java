package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.PoolView;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.stats.Percentiles;

import java.util.Comparator;
import java.util.List;

/**
 * SHOW POOLS: PgBouncer's columns, then the wait-time percentiles of the current stats window (p50, p95,
 * p99, in microseconds) and {@code cl_pinned}, the clients kept on their server by session state (in
 * transaction and statement pooling; they are counted in {@code cl_active} or {@code cl_waiting} too). The counts are the lengths of the pool's state lists, read on each shard's own
 * event loop and added up; the cancel columns count the cancel requests forwarded to the pool's servers.
 * Clients that logged in while the pool had no server yet count as waiting, as in PgBouncer. The
 * console's own pool is listed too, as {@code pgbouncer}/{@code pgbouncer} in statement mode.
 */
public final class ShowPools extends ShowCommand {
    static final String CONSOLE = "pgbouncer";

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(
                Column.text("database"), Column.text("user"),
                Column.int4("cl_active"), Column.int4("cl_waiting"),
                Column.int4("cl_active_cancel_req"), Column.int4("cl_waiting_cancel_req"),
                Column.int4("sv_active"), Column.int4("sv_active_cancel"), Column.int4("sv_being_canceled"),
                Column.int4("sv_idle"), Column.int4("sv_used"), Column.int4("sv_tested"), Column.int4("sv_login"),
                Column.int4("maxwait"), Column.int4("maxwait_us"), Column.text("pool_mode"),
                Column.text("load_balance_hosts"),
                Column.int8("p50_wait_time"), Column.int8("p95_wait_time"), Column.int8("p99_wait_time"),
                Column.int4("cl_pinned"));
        long consoleClients = backend.consoles().size();
        boolean consoleListed = false;
        for (PoolView pool : sorted(backend.pools())) {
            if (!consoleListed && compare(CONSOLE, CONSOLE, pool.database(), pool.user()) < 0) {
                consoleRow(rs, consoleClients);
                consoleListed = true;
            }
            var c = pool.counts();
            Percentiles wait = pool.stats().latency().waitPercentiles();
            rs.row(pool.database(), pool.user(), c.clActive(), c.clWaiting() + c.clLogin(),
                    c.clActiveCancelReq(), c.clWaitingCancelReq(),
                    c.svActive(), c.svActiveCancel(), c.svBeingCanceled(), c.svIdle(), c.svUsed(), c.svTested(), c.svLogin(),
                    (int) (c.maxWaitMicros() / 1_000_000), (int) (c.maxWaitMicros() % 1_000_000),
                    pool.poolMode().configName(),
                    backend.config().findDatabase(pool.database()).map(ShowDatabases::loadBalanceHosts).orElse(null),
                    wait.p50(), wait.p95(), wait.p99(), pool.clPinned());
        }
        if (!consoleListed) {
            consoleRow(rs, consoleClients);
        }
        return rs;
    }

    private static void consoleRow(ResultSet rs, long clients) {
        rs.row(CONSOLE, CONSOLE, (int) clients, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "statement", null, 0L, 0L, 0L, 0);
    }

    static List<PoolView> sorted(List<PoolView> pools) {
        return pools.stream().sorted(Comparator.comparing(PoolView::database).thenComparing(PoolView::user)).toList();
    }

    private static int compare(String db1, String user1, String db2, String user2) {
        int c = db1.compareTo(db2);
        return c != 0 ? c : user1.compareTo(user2);
    }
}
