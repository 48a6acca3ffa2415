package io.pooler.server.backend;

import io.pooler.pool.Pool;

/**
 * What the admin side says about a pool being made (implemented by the admin state): whether it starts
 * paused, and that it now exists (the metrics bind it).
 */
public interface PoolWatcher {
    /** Whether a pool of this database should hold its clients: a global PAUSE or its own. */
    boolean holdsQueries(String database);

    /** Called once for each new pool. */
    void poolCreated(Pool pool);

    /** Called once for each pool retired and dropped from the registry (see PoolMaker.retireUnused). */
    void poolRetired(Pool pool);
}
