package io.pooler.server.it;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolShard;
import io.pooler.pool.PooledClient;
import io.pooler.pool.PooledServer;
import io.pooler.server.backend.ServerConnection;
import io.pooler.server.client.ClientConnection;
import io.pooler.server.net.Transport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * PgBouncer's TCP keys, read back from the kernel (getsockopt through Netty's epoll channels) on both
 * sides of a real session: the client's accepted socket and the server connection to PostgreSQL get
 * tcp_keepalive with tcp_keepidle/keepintvl/keepcnt, tcp_user_timeout and tcp_socket_buffer; the TCP
 * listener gets tcp_defer_accept. RELOAD applies to new connections, and to the listener for
 * tcp_defer_accept, as in PgBouncer.
 */
@PoolerTest
class TcpSettingsTest {
    private final PoolerFixture pooler;

    TcpSettingsTest(PoolerFixture pooler) {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD);
    }

    @BeforeEach
    void linuxOnly() {
        assumeTrue(Transport.configured().linuxTcpOptions().isPresent(),
                "the options are read back through a native transport (Linux)");
    }

    /** The names the pooler's transport (the same {@link Transport#configured()}) gives the Linux TCP options. */
    private static Transport.LinuxTcpOptions linux() {
        return Transport.configured().linuxTcpOptions().orElseThrow();
    }

    /** The sockets of the clients and servers of every pool, read on their own loops. */
    private List<Channel> sockets(boolean clients) throws Exception {
        List<Channel> found = new ArrayList<>();
        for (Pool pool : pooler.server().pools()) {
            for (PoolShard shard : pool.shards()) {
                found.addAll(shard.loop().submit(() -> {
                    List<Channel> here = new ArrayList<>();
                    if (clients) {
                        for (PooledClient c : shard.clients()) {
                            if (c instanceof ClientConnection client) {
                                here.add(client.channel());
                            }
                        }
                    } else {
                        for (PooledServer s : shard.servers()) {
                            if (s instanceof ServerConnection server && server.channel() != null) {
                                here.add(server.channel());
                            }
                        }
                    }
                    return here;
                }).get(10, TimeUnit.SECONDS));
            }
        }
        return found;
    }

    private static void assertTuned(Channel ch, int keepidle) {
        assertTrue(ch.config().getOption(ChannelOption.SO_KEEPALIVE), ch + " keepalive");
        assertEquals(keepidle, ch.config().getOption(linux().keepIdle()), ch + " keepidle");
        assertEquals(11, ch.config().getOption(linux().keepInterval()), ch + " keepintvl");
        assertEquals(4, ch.config().getOption(linux().keepCount()), ch + " keepcnt");
        assertEquals(12345, ch.config().getOption(linux().userTimeout()), ch + " user timeout");
        // Linux doubles the value asked for, for its bookkeeping (socket(7)).
        assertEquals(2 * 65536, ch.config().getOption(ChannelOption.SO_SNDBUF), ch + " sndbuf");
        assertEquals(2 * 65536, ch.config().getOption(ChannelOption.SO_RCVBUF), ch + " rcvbuf");
        assertTrue(ch.config().getOption(ChannelOption.TCP_NODELAY), ch + " nodelay");
    }

    private Channel tcpListener() {
        return pooler.server().listeners().stream().filter(ch -> ch.localAddress() instanceof InetSocketAddress)
                .findFirst().orElseThrow();
    }

    @Test
    void clientAndServerSocketsGetTheKeysAndReloadAppliesToNewOnes() throws Exception {
        pooler.set("tcp_keepidle", "77").set("tcp_keepintvl", "11").set("tcp_keepcnt", "4")
                .set("tcp_user_timeout", "12345").set("tcp_socket_buffer", "65536").start();
        try (Connection first = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            queryString(first, "select 1");
            List<Channel> clients = sockets(true);
            List<Channel> servers = sockets(false);
            assertEquals(1, clients.size());
            assertEquals(1, servers.size());
            assertTuned(clients.get(0), 77);
            assertTuned(servers.get(0), 77);

            pooler.set("tcp_keepidle", "88");
            assertEquals(Optional.empty(), pooler.reload());
            try (Connection second = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
                queryString(second, "select 1"); // session pooling: a second server
                List<Channel> newClients = sockets(true);
                newClients.removeAll(clients);
                List<Channel> newServers = sockets(false);
                newServers.removeAll(servers);
                assertTuned(newClients.get(0), 88);
                assertTuned(newServers.get(0), 88);
                assertEquals(77, clients.get(0).config().getOption(linux().keepIdle()),
                        "an open socket keeps what it was given");
            }
        }
    }

    @Test
    void defaultsLeaveTheKernelsTimingsAndKeepalive() throws Exception {
        pooler.start();
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            queryString(c, "select 1");
            for (Channel ch : sockets(true)) {
                assertTrue(ch.config().getOption(ChannelOption.SO_KEEPALIVE));
                assertEquals(0, ch.config().getOption(linux().userTimeout()));
            }
        }
        pooler.set("tcp_keepalive", "0");
        assertEquals(Optional.empty(), pooler.reload());
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            queryString(c, "select 1");
            List<Channel> clients = sockets(true);
            assertEquals(1, clients.size());
            assertFalse(clients.get(0).config().getOption(ChannelOption.SO_KEEPALIVE),
                    "tcp_keepalive = 0 reaches new client sockets after RELOAD");
        }
    }

    @Test
    void deferAcceptOnTheListenerFollowsReload() throws Exception {
        pooler.start(); // tcp_defer_accept defaults to 1 on Linux
        assertTrue(tcpListener().config().getOption(linux().deferAccept()) > 0);
        pooler.set("tcp_defer_accept", "0");
        assertEquals(Optional.empty(), pooler.reload());
        assertEquals(0, tcpListener().config().getOption(linux().deferAccept()));
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(c, "select 1"));
        }
        pooler.set("tcp_defer_accept", "1");
        assertEquals(Optional.empty(), pooler.reload());
        assertTrue(tcpListener().config().getOption(linux().deferAccept()) > 0);
        try (Connection c = pooler.connectSimple(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals("1", queryString(c, "select 1"), "clients that speak first are served with it on");
        }
    }
}
