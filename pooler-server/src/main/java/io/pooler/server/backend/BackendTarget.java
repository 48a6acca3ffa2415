package io.pooler.server.backend;

import io.netty.channel.unix.DomainSocketAddress;
import io.pooler.auth.Md5Secret;
import io.pooler.auth.PlainSecret;
import io.pooler.auth.ScramSecret;
import io.pooler.auth.Secret;
import io.pooler.auth.Userlist;
import io.pooler.config.DatabaseEntry;
import io.pooler.config.LoadBalanceHosts;
import io.pooler.config.PoolerConfig;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where one server connection goes and what it logs in with, fixed when the connection is made so a
 * reload in the middle of a login cannot mix old and new settings.
 *
 * <p>{@code hosts} are the TCP hosts of {@code host=} in file order (several for a PgBouncer 1.24 host
 * list), all on {@code port}; empty for a Unix socket. {@code address} is where the connection goes when
 * there is a single place, and what logs and SHOW SERVERS name before the connection exists: the socket
 * file, or the first host, unresolved. {@link ServerDial} picks among the hosts and resolves them.
 * {@code connectQuery} is the entry's {@code connect_query}, run by {@link ServerLogin} after the login.
 */
public record BackendTarget(
        SocketAddress address,
        List<String> hosts,
        int port,
        LoadBalanceHosts loadBalanceHosts,
        String dbname,
        String user,
        Optional<String> password,
        Optional<Md5Secret> md5Secret,
        Optional<PassThroughCredentials.ScramKeys> scramKeys,
        Map<String, String> startupParameters,
        Optional<String> connectQuery) {

    /**
     * The password comes from the database entry when it forces a user, else from the auth file (or
     * what auth_query found); with only a SCRAM verifier there, from the keys a client's own SCRAM
     * exchange revealed.
     */
    public static BackendTarget resolve(PoolerConfig config, Userlist userlist, PassThroughCredentials learnt,
                                        DatabaseEntry db, String serverUser) {
        // password= belongs to the forced user=; the auth_user's pool of the same entry does not use it.
        Optional<String> password = db.user().filter(forced -> !forced.equals(serverUser)).isPresent()
                ? Optional.empty() : db.password();
        Optional<Md5Secret> md5 = Optional.empty();
        Optional<PassThroughCredentials.ScramKeys> keys = Optional.empty();
        if (password.isEmpty()) {
            Optional<Secret> secret = userlist == null ? Optional.empty() : userlist.find(serverUser);
            secret = secret.or(() -> learnt.queriedSecret(db.name(), serverUser));
            if (secret.isPresent() && secret.get() instanceof PlainSecret plain) {
                password = Optional.of(plain.password());
            } else {
                password = learnt.password(serverUser);
                if (secret.isPresent() && secret.get() instanceof Md5Secret m) {
                    md5 = Optional.of(m);
                }
                if (secret.isPresent() && secret.get() instanceof ScramSecret) {
                    keys = learnt.scramKeys(serverUser);
                }
            }
        }
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", serverUser);
        startup.put("database", db.dbname());
        db.applicationName().ifPresent(v -> startup.put("application_name", v));
        db.clientEncoding().ifPresent(v -> startup.put("client_encoding", v));
        db.datestyle().ifPresent(v -> startup.put("DateStyle", v));
        db.timezone().ifPresent(v -> startup.put("TimeZone", v));
        List<String> hosts = db.isUnixSocket() ? List.of() : db.hosts();
        return new BackendTarget(address(config, db), hosts, db.port(), db.loadBalanceHosts(), db.dbname(),
                serverUser, password, md5, keys, startup, db.connectQuery());
    }

    /**
     * The Unix socket {@code DIR/.s.PGSQL.PORT} when host is a directory, an abstract name ({@code @...}) or
     * unset; else the first host and the port, unresolved.
     */
    static SocketAddress address(PoolerConfig config, DatabaseEntry db) {
        String host = db.host().orElse("");
        if (host.isEmpty() || db.isUnixSocket()) {
            return unixSocket(host.isEmpty() ? config.settings().unixSocketDir() : host, db.port());
        }
        return InetSocketAddress.createUnresolved(db.hosts().isEmpty() ? host : db.hosts().get(0), db.port());
    }

    /**
     * PgBouncer's socket file name in a directory; a name starting with {@code @} is in the abstract
     * namespace, which the kernel marks with a leading NUL.
     */
    public static DomainSocketAddress unixSocket(String dir, int port) {
        String path = dir + "/.s.PGSQL." + port;
        return new DomainSocketAddress(path.startsWith("@") ? "\0" + path.substring(1) : path);
    }

    public boolean isUnixSocket() {
        return address instanceof DomainSocketAddress;
    }

    /** Without the credentials: a record's own toString would print the password. */
    @Override
    public String toString() {
        return "BackendTarget[" + address + " dbname=" + dbname + " user=" + user + "]";
    }
}
