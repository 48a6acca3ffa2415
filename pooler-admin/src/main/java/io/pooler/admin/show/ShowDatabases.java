package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.PoolView;
import io.pooler.admin.SocketView;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.config.DatabaseEntry;
import io.pooler.config.PoolerConfig;
import io.pooler.config.Settings;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * SHOW DATABASES: the configured databases, those the {@code *} entry made on demand (which have a pool),
 * and the console's own, sorted by name as PgBouncer keeps them. Settings a database does not override
 * show the global value, as in PgBouncer.
 */
public final class ShowDatabases extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.text("name"), Column.text("host"), Column.int4("port"),
                Column.text("database"), Column.text("force_user"), Column.int4("pool_size"),
                Column.int4("min_pool_size"), Column.int4("reserve_pool_size"), Column.int4("server_lifetime"),
                Column.text("pool_mode"), Column.text("load_balance_hosts"), Column.int4("max_connections"),
                Column.int4("current_connections"), Column.int4("max_client_connections"),
                Column.int4("current_client_connections"), Column.int4("paused"), Column.int4("disabled"));
        PoolerConfig config = backend.config();
        Settings s = config.settings();
        Map<String, Integer> servers = new TreeMap<>();
        for (PoolView pool : backend.pools()) {
            servers.merge(pool.database(), pool.counts().totalServers(), Integer::sum);
        }
        Map<String, Integer> clients = new TreeMap<>();
        for (PoolView pool : backend.pools()) {
            clients.merge(pool.database(), pool.clientConnections(), Integer::sum);
        }
        for (SocketView c : backend.consoles()) {
            clients.merge(c.database(), 1, Integer::sum);
        }
        TreeSet<String> names = new TreeSet<>(config.databases().keySet());
        names.addAll(servers.keySet());
        names.add(ShowPools.CONSOLE);
        int maxDbClients = Integer.parseInt(s.raw("max_db_client_connections"));
        for (String name : names) {
            if (name.equals(ShowPools.CONSOLE)) {
                rs.row(name, null, s.listenPort(), name, name, 2, 0, 0, (int) s.serverLifetime().toSeconds(),
                        "statement", null, 0, 0, maxDbClients, clients.getOrDefault(name, 0), 0, 0);
                continue;
            }
            Optional<DatabaseEntry> found = config.findDatabase(name);
            if (found.isEmpty()) {
                continue; // a pool of a database a reload removed: PgBouncer drops it from the list too
            }
            DatabaseEntry db = found.get();
            rs.row(name, db.host().orElse(null), db.port(), db.dbname(), db.user().orElse(null),
                    db.poolSize().orElse(s.defaultPoolSize()), db.minPoolSize().orElse(s.minPoolSize()),
                    db.reservePoolSize().orElse(s.reservePoolSize()),
                    (int) db.serverLifetime().filter(d -> !d.isZero()).orElse(s.serverLifetime()).toSeconds(),
                    db.poolMode().map(m -> m.configName()).orElse(null), loadBalanceHosts(db),
                    db.maxDbConnections().orElse(s.maxDbConnections()), servers.getOrDefault(name, 0),
                    maxDbClients, clients.getOrDefault(name, 0),
                    backend.isPaused(name), backend.isDisabled(name));
        }
        return rs;
    }

    /** PgBouncer shows load_balance_hosts only for a host list; NULL otherwise. */
    static String loadBalanceHosts(DatabaseEntry db) {
        return db.host().filter(h -> h.contains(",")).map(h -> db.loadBalanceHosts().configName()).orElse(null);
    }
}
