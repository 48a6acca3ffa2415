package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.PoolView;
import io.pooler.admin.SocketView;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.config.PoolerConfig;
import io.pooler.config.UserEntry;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * SHOW USERS: the users of the auth file, of {@code [users]} and of the pools. The override columns are
 * text, empty when the user does not override the setting, as PgBouncer sends them; the limits show the
 * global value when not overridden.
 */
public final class ShowUsers extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.text("name"), Column.text("pool_size"), Column.text("reserve_pool_size"),
                Column.text("pool_mode"), Column.int4("max_user_connections"), Column.int4("current_connections"),
                Column.int4("max_user_client_connections"), Column.int4("current_client_connections"));
        PoolerConfig config = backend.config();
        Map<String, Integer> servers = new TreeMap<>();
        for (PoolView pool : backend.pools()) {
            servers.merge(pool.user(), pool.counts().totalServers(), Integer::sum);
        }
        Map<String, Integer> clients = new TreeMap<>();
        for (PoolView pool : backend.pools()) {
            pool.clientsByUser().forEach((user, n) -> clients.merge(user, n, Integer::sum));
        }
        for (SocketView c : backend.consoles()) {
            clients.merge(c.user(), 1, Integer::sum);
        }
        TreeSet<String> names = new TreeSet<>(backend.authFileUsers());
        names.addAll(config.users().keySet());
        names.addAll(servers.keySet());
        int maxUser = config.settings().maxUserConnections();
        int maxUserClients = Integer.parseInt(config.settings().raw("max_user_client_connections"));
        for (String name : names) {
            UserEntry u = config.users().get(name);
            String poolSize = u == null || u.poolSize().isEmpty() ? "" : String.valueOf(u.poolSize().getAsInt());
            String reserve = u == null || u.reservePoolSize().isEmpty() ? "" : String.valueOf(u.reservePoolSize().getAsInt());
            String mode = u == null ? null : u.poolMode().map(m -> m.configName()).orElse(null);
            int max = u == null ? maxUser : u.maxUserConnections().orElse(maxUser);
            int maxClients = u == null ? maxUserClients : u.maxUserClientConnections().orElse(maxUserClients);
            rs.row(name, poolSize, reserve, mode, max, servers.getOrDefault(name, 0), maxClients,
                    clients.getOrDefault(name, 0));
        }
        return rs;
    }
}
