package io.pooler.bench.fleet;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.pooler.bench.load.Credentials;
import io.pooler.server.net.Transport;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A pooler's admin console (database {@code pgbouncer}) as the kit's console user, over the fleet's
 * own client: blocking, one command at a time, for SHOW and RELOAD from the bench's main thread.
 */
final class AdminConsole implements AutoCloseable {
    /** The kit's admin user and its example password (conf/odoo/userlist.txt). */
    static final String USER = "pooler_admin";
    static final String PASSWORD = "admin-example-only";
    private static final long TIMEOUT_SECONDS = 30;

    private final EventLoopGroup group;
    private final SqlConnection connection;

    private AdminConsole(EventLoopGroup group, SqlConnection connection) {
        this.group = group;
        this.connection = connection;
    }

    static AdminConsole open(String host, int port) throws Exception {
        Transport transport = Transport.withoutIoUring();
        EventLoopGroup group = transport.newGroup(1, "fleet-admin");
        try {
            EventLoop loop = group.next();
            SqlConnection c = SqlConnection.open(transport, loop, host, port, "pgbouncer", new Credentials(USER, PASSWORD),
                    "fleet-admin").get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new AdminConsole(group, c);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The rows of a command, as column name to text. */
    List<Map<String, String>> rows(String command) throws Exception {
        CompletableFuture<QueryResult> answer = new CompletableFuture<>();
        connection.loop().execute(() -> connection.query(command).whenComplete((r, e) -> {
            if (e != null) {
                answer.completeExceptionally(e);
            } else {
                answer.complete(r);
            }
        }));
        QueryResult r = answer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (r.failed()) {
            throw new IOException(command + ": " + r.sqlState() + " " + r.errorMessage());
        }
        return r.named();
    }

    @Override
    public void close() {
        connection.close();
        group.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
