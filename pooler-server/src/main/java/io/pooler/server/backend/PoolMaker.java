package io.pooler.server.backend;

import io.pooler.config.DatabaseEntry;
import io.pooler.config.PoolerConfig;
import io.pooler.pool.ConnectionLimits;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolKey;
import io.pooler.pool.PoolLimits;
import io.pooler.pool.PoolRegistry;
import io.pooler.pool.PoolSettingsResolver;
import io.pooler.server.RuntimeConfig;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Finds the pool of a database entry and server-side user, making it on first use with the settings in
 * force then, the shared max_db_connections and max_user_connections counters, and its servers from the
 * {@link BackendConnector}; and frees the pools of automatic databases nobody uses
 * ({@link #retireUnused}).
 *
 * <p>Threads: any; the registry takes no lock for a pool that exists.
 */
public final class PoolMaker {
    private final PoolRegistry pools;
    private final Supplier<RuntimeConfig> config;
    private final BackendConnector connector;
    private final ConnectionLimits limits;
    private final PoolWatcher watcher;
    private final LongAdder poolsRetired = new LongAdder();

    public PoolMaker(PoolRegistry pools, Supplier<RuntimeConfig> config, BackendConnector connector,
                     ConnectionLimits limits, PoolWatcher watcher) {
        this.pools = pools;
        this.config = config;
        this.connector = connector;
        this.limits = limits;
        this.watcher = watcher;
    }

    /**
     * The pool for this database entry and server-side user, created with the current settings on first
     * use, for an entry of {@code [databases]} of its own (whose pools are never retired); a client uses
     * {@link #enter} instead.
     */
    public Pool pool(DatabaseEntry db, String database, String serverUser) {
        PoolKey key = new PoolKey(database, serverUser);
        return pools.getOrCreate(key, k -> newPool(k, db, database, serverUser));
    }

    /**
     * The pool for this database entry and server-side user, entered ({@link Pool#tryEnter}): the caller
     * {@link Pool#leave}s it exactly once when done. A pool retired between the lookup and the entry is
     * dropped and a new one made.
     */
    public Pool enter(DatabaseEntry db, String database, String serverUser) {
        while (true) {
            Pool pool = pool(db, database, serverUser);
            if (pool.tryEnter()) {
                return pool;
            }
            pools.remove(pool); // its retirer drops it too; whichever comes first
        }
    }

    /**
     * PgBouncer's autodb_idle_timeout: frees the pools of databases made from the {@code *} entry that no
     * client and no server has been in for {@code autodbIdleTimeout}; their SHOW POOLS and SHOW STATS
     * rows and metrics go with them, as PgBouncer forgets their statistics. A pool whose server never
     * logged in goes as soon as nobody is in it: with auth_query, any client that connects, before it
     * logs in, makes the auth_user's pool of the database it names, and one for each name it could invent
     * would otherwise be kept for the whole timeout (about 20 KB each: a few thousand a minute filled the
     * heap). Pools of an entry of {@code [databases]} of its own are kept, as PgBouncer keeps those
     * databases. Returns how many pools went.
     */
    public int retireUnused(Duration autodbIdleTimeout) {
        PoolerConfig running = config.get().config();
        int retired = 0;
        for (Pool pool : pools.all()) {
            if (running.databases().containsKey(pool.key().database())) {
                continue;
            }
            if (pool.tryRetire(pool.everLoggedIn() ? autodbIdleTimeout : Duration.ZERO)) {
                pools.remove(pool);
                limits.releaseServers(pool.key().database(), pool.key().user());
                watcher.poolRetired(pool);
                retired++;
            }
        }
        poolsRetired.add(retired);
        return retired;
    }

    /** Pools freed by {@link #retireUnused} since start. */
    public long poolsRetired() {
        return poolsRetired.sum();
    }

    /** The pool of this database and server-side user if it exists already; null otherwise, and none is made. */
    public Pool existing(String database, String serverUser) {
        return pools.find(new PoolKey(database, serverUser));
    }

    private Pool newPool(PoolKey key, DatabaseEntry db, String database, String serverUser) {
        ConnectionLimits.ServerCounters counters = limits.holdServers(database, serverUser);
        Pool pool = new Pool(key, PoolSettingsResolver.resolve(config.get().config(), db, serverUser), connector,
                new PoolLimits(counters.database(), counters.user(),
                        starved -> closeIdleServerOf(starved, other -> other.key().database().equals(database)),
                        starved -> closeIdleServerOf(starved, other -> other.key().user().equals(serverUser))));
        if (watcher.holdsQueries(key.database())) {
            pool.pause(); // a new pool of a paused database starts paused
        }
        watcher.poolCreated(pool);
        return pool;
    }

    /**
     * A shared limit is full for {@code starved}: free a slot held by an idle server of a related pool.
     * Each related pool's shards look on their own loops; the shared claim lets only one close a server.
     */
    private boolean closeIdleServerOf(Pool starved, Predicate<Pool> related) {
        AtomicBoolean claim = new AtomicBoolean();
        boolean asked = false;
        for (Pool other : pools.all()) {
            if (other != starved && related.test(other)) {
                other.closeOneIdleServer(claim);
                asked = true;
            }
        }
        return asked;
    }
}
