package io.pooler.server.client;

import io.pooler.pool.ConnectionLimits;
import io.pooler.server.ProcessSecret;
import io.pooler.server.backend.PassThroughCredentials;
import io.pooler.server.backend.PoolMaker;

/**
 * What admitting and logging in a client needs beyond {@link ClientServices}: its pool, the per-database
 * and per-user client limits, the secrets of the password exchange, DISABLE, the admin console for its
 * virtual database, and where a CancelRequest goes. Used only until the client is READY.
 *
 * <p>Threads: each is safe from any event loop.
 *
 * @param passThrough passwords learnt from clients, for databases configured without one
 * @param processSecret salts the mock SCRAM exchange of unknown users
 * @param consoles makes the console session of a client of the admin console's database
 */
public record LoginServices(PoolMaker pools, ConnectionLimits limits, PassThroughCredentials passThrough,
                            ProcessSecret processSecret, DisabledDatabases disabled, Console.Opener consoles,
                            CancelForwarder cancels) {
}
