package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.PoolView;
import io.pooler.stats.LatencyHistograms;
import io.pooler.stats.StatsAverages;
import io.pooler.stats.StatsTotals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The stats of one database, its pools added up, as PgBouncer's SHOW STATS family reports them. The
 * console's database is listed with zeros, as PgBouncer lists its admin pool.
 *
 * @param windowStart the totals when the current stats window began
 */
record DatabaseStats(String database, StatsTotals totals, StatsTotals windowStart, LatencyHistograms latency) {

    StatsAverages averages(long windowMicros) {
        return totals.averageSince(windowStart, windowMicros);
    }

    /** One row per database, sorted by name. */
    static List<DatabaseStats> collect(AdminBackend backend) {
        Map<String, DatabaseStats> byName = new TreeMap<>();
        byName.put(ShowPools.CONSOLE, new DatabaseStats(ShowPools.CONSOLE, StatsTotals.ZERO, StatsTotals.ZERO,
                LatencyHistograms.empty()));
        for (PoolView pool : backend.pools()) {
            DatabaseStats one = new DatabaseStats(pool.database(), pool.stats().totals(), pool.stats().windowStart(),
                    pool.stats().latency());
            byName.merge(pool.database(), one, DatabaseStats::plus);
        }
        return new ArrayList<>(byName.values());
    }

    /** Every database added up, for SHOW TOTALS. */
    static DatabaseStats sum(List<DatabaseStats> all) {
        DatabaseStats total = new DatabaseStats("", StatsTotals.ZERO, StatsTotals.ZERO, LatencyHistograms.empty());
        for (DatabaseStats d : all) {
            total = total.plus(d);
        }
        return total;
    }

    private DatabaseStats plus(DatabaseStats other) {
        return new DatabaseStats(database, totals.plus(other.totals), windowStart.plus(other.windowStart),
                latency.add(other.latency));
    }
}
