package io.pooler.admin.advice;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.PoolView;
import io.pooler.config.DatabaseEntry;
import io.pooler.config.PoolMode;
import io.pooler.config.PoolerConfig;
import io.pooler.config.UserEntry;
import io.pooler.pool.PoolKey;
import io.pooler.pool.PoolSettings;
import io.pooler.stats.LatencyHistograms;
import io.pooler.stats.PoolStats;
import io.pooler.stats.StatsTotals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds each pool's {@link PoolLoad} from the backend's snapshots: the one place SHOW ADVICE reads live state. */
public final class PoolLoads {
    private PoolLoads() {
    }

    public static List<PoolLoad> of(AdminBackend backend) {
        PoolerConfig config = backend.config();
        Map<PoolKey, PoolSettings> settings = backend.poolSettings();
        List<PoolView> pools = backend.pools().stream()
                .sorted(Comparator.comparing(PoolView::database).thenComparing(PoolView::user)).toList();
        Map<String, Integer> dbServers = new HashMap<>();
        Map<String, Integer> userServers = new HashMap<>();
        for (PoolView pool : pools) {
            dbServers.merge(pool.database(), pool.counts().totalServers(), Integer::sum);
            userServers.merge(pool.user(), pool.counts().totalServers(), Integer::sum);
        }
        long window = backend.statsWindowMicros();
        List<PoolLoad> loads = new ArrayList<>();
        for (PoolView pool : pools) {
            PoolSettings ps = settings.get(pool.counts().key());
            if (ps == null) {
                continue; // removed by a reload since the pools were listed
            }
            int own = pool.counts().totalServers();
            loads.add(load(config, pool, ps, dbServers.get(pool.database()) - own,
                    userServers.get(pool.user()) - own, window));
        }
        return loads;
    }

    private static PoolLoad load(PoolerConfig config, PoolView pool, PoolSettings ps, int otherDbServers,
                                 int otherUserServers, long window) {
        PoolStats stats = pool.stats();
        StatsTotals now = stats.totals();
        StatsTotals start = stats.windowStart();
        boolean statement = ps.poolMode() == PoolMode.STATEMENT;
        long units = statement ? now.queryCount() - start.queryCount() : now.xactCount() - start.xactCount();
        long unitTime = statement ? now.queryTimeMicros() - start.queryTimeMicros() : now.xactTimeMicros() - start.xactTimeMicros();
        long assignments = now.serverAssignmentCount() - start.serverAssignmentCount();
        long waitTime = now.waitTimeMicros() - start.waitTimeMicros();
        LatencyHistograms latency = stats.latency();
        String db = pool.database();
        String user = pool.user();
        return new PoolLoad(db, user, ps.poolMode(),
                ps.poolSize(), where(config, db, user, "pool_size", "default_pool_size",
                        DatabaseEntry::poolSize, UserEntry::poolSize),
                ps.reservePoolSize(), where(config, db, user, "reserve_pool_size", "reserve_pool_size",
                        DatabaseEntry::reservePoolSize, UserEntry::reservePoolSize),
                ps.reservePoolTimeout().toNanos() / 1000,
                ps.maxDbConnections(), where(config, db, user, "max_db_connections", "max_db_connections",
                        DatabaseEntry::maxDbConnections, u -> java.util.OptionalInt.empty()),
                Math.max(0, otherDbServers),
                ps.maxUserConnections(), where(config, db, user, "max_user_connections", "max_user_connections",
                        d -> java.util.OptionalInt.empty(), UserEntry::maxUserConnections),
                Math.max(0, otherUserServers),
                ps.queryWaitTimeout().toNanos() / 1000,
                window, units, units > 0 ? unitTime / units : 0, assignments, assignments > 0 ? waitTime / assignments : 0,
                latency.waitPercentiles(), statement ? latency.queryPercentiles() : latency.xactPercentiles(),
                stats.load().summary());
    }

    /**
     * Where the operator sets the value this pool uses, in PgBouncer's precedence: its [users] entry,
     * then its [databases] entry (the {@code *} entry for a database made from it), then [pgbouncer].
     */
    private static String where(PoolerConfig config, String database, String user, String entryKey, String globalKey,
                                java.util.function.Function<DatabaseEntry, java.util.OptionalInt> inDatabase,
                                java.util.function.Function<UserEntry, java.util.OptionalInt> inUser) {
        UserEntry u = config.users().get(user);
        if (u != null && inUser.apply(u).isPresent()) {
            return "[users] " + user + " " + entryKey;
        }
        Optional<DatabaseEntry> d = config.findDatabase(database);
        if (d.isPresent() && inDatabase.apply(d.get()).isPresent()) {
            return "[databases] " + (config.databases().containsKey(database) ? database : "*") + " " + entryKey;
        }
        return globalKey;
    }
}
