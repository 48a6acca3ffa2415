package io.pooler.pool;

import io.pooler.config.DatabaseEntry;
import io.pooler.config.PoolMode;
import io.pooler.config.PoolerConfig;
import io.pooler.config.Settings;
import io.pooler.config.UserEntry;

import java.time.Duration;

/**
 * Resolves one pool's settings as PgBouncer does: a [users] entry wins over the [databases] entry,
 * which wins over the [pgbouncer] default.
 */
public final class PoolSettingsResolver {
    private PoolSettingsResolver() {
    }

    public static PoolSettings resolve(PoolerConfig config, DatabaseEntry db, String user) {
        Settings s = config.settings();
        UserEntry u = config.users().get(user);
        PoolMode mode = s.poolMode();
        if (db.poolMode().isPresent()) {
            mode = db.poolMode().get();
        }
        if (u != null && u.poolMode().isPresent()) {
            mode = u.poolMode().get();
        }
        boolean pin = db.pinOnSessionState().orElse(s.pinOnSessionState());
        if (u != null && u.pinOnSessionState().isPresent()) {
            pin = u.pinOnSessionState().get();
        }
        int poolSize = db.poolSize().orElse(s.defaultPoolSize());
        if (u != null && u.poolSize().isPresent()) {
            poolSize = u.poolSize().getAsInt();
        }
        int reserve = db.reservePoolSize().orElse(s.reservePoolSize());
        if (u != null && u.reservePoolSize().isPresent()) {
            reserve = u.reservePoolSize().getAsInt();
        }
        int maxDb = db.maxDbConnections().orElse(s.maxDbConnections());
        int maxUser = s.maxUserConnections();
        if (u != null && u.maxUserConnections().isPresent()) {
            maxUser = u.maxUserConnections().getAsInt();
        }
        int minPool = db.minPoolSize().orElse(s.minPoolSize());
        // PgBouncer: a database's server_lifetime above 0 wins; query_wait_timeout, once set, user over database.
        Duration lifetime = db.serverLifetime().filter(d -> !d.isZero()).orElse(s.serverLifetime());
        Duration queryWait = db.queryWaitTimeout().orElse(s.queryWaitTimeout());
        if (u != null && u.queryWaitTimeout().isPresent()) {
            queryWait = u.queryWaitTimeout().get();
        }
        return new PoolSettings(mode, poolSize, minPool, reserve, s.reservePoolTimeout(), maxDb, maxUser,
                s.serverIdleTimeout(), lifetime, s.serverLoginRetry(), queryWait, s.serverCheckDelay(), pin,
                db.listenMultiplex().orElse(s.listenMultiplex()), db.user().isPresent(), s.serverRoundRobin());
    }
}
