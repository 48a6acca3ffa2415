package io.pooler.server.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.pooler.pool.Pool;
import io.pooler.pool.PoolSnapshot;
import io.pooler.server.PoolerWiring;
import io.pooler.server.RuntimeConfigLoader;
import io.pooler.server.client.ClientChannels;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The pooler's real client and server classes between two scripted ends, all on the test thread: a
 * client is an {@link EmbeddedChannel} with the production client pipeline (its one handler, from
 * {@link ClientChannels}, which is also its frame decoder); each server connection the pool opens is a {@link ScriptedServerChannel}
 * registered on its client's embedded loop by the production connect code. The test plays both
 * PostgreSQL and the client with captured bytes ({@link CapturedSession}); nothing is mocked, no
 * socket is opened, and time moves only when the test moves the {@link MockTicker}.
 */
final class RelayHarness implements AutoCloseable {
    /** psql against PostgreSQL 17: its startup packet and PostgreSQL's login reply. */
    static final CapturedSession PSQL = CapturedSession.load("psql-simple");

    final MockTicker ticker = Ticker.newMockTicker();
    private final Path dir;
    private final DefaultEventLoopGroup workers = new DefaultEventLoopGroup(1);
    final PoolerWiring wiring;
    private final ClientChannels clientChannels;
    private final List<ClientEnd> clients = new ArrayList<>();
    private final List<ServerEnd> servers = new ArrayList<>();
    /** Every server channel the pool opened, scripted by the test or not. */
    private final List<ScriptedServerChannel> serverChannels = new ArrayList<>();

    /** A pooler in transaction mode with a pool of one, changed by {@code settings}. */
    RelayHarness(Map<String, String> settings) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("listen_addr", "127.0.0.1");
        all.put("listen_port", "6432");
        all.put("unix_socket_dir", "");
        all.put("auth_type", "trust");
        all.put("auth_file", "userlist.txt");
        all.put("pool_mode", "transaction");
        all.put("default_pool_size", "1");
        all.putAll(settings);
        try {
            dir = Files.createTempDirectory("pooler-relay-");
            StringBuilder ini = new StringBuilder("[databases]\nfuzzdb = host=127.0.0.1 port=5432\n\n[pgbouncer]\n");
            all.forEach((k, v) -> ini.append(k).append(" = ").append(v).append('\n'));
            Files.writeString(dir.resolve("pooler.ini"), ini);
            Files.writeString(dir.resolve("userlist.txt"), "\"fuzz_app\" \"\"\n");
            wiring = new PoolerWiring(RuntimeConfigLoader.load(dir.resolve("pooler.ini")).config(),
                    new ScriptedTransport(), workers);
            clientChannels = wiring.clientChannels((channel, user, id, refuse) -> {
                throw new UnsupportedOperationException("no admin console in the relay harness");
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeConfigLoader.LoadException e) {
            throw new IllegalStateException(e);
        }
    }

    RelayHarness() {
        this(Map.of());
    }

    /** A client connects on a loop of its own and sends psql's startup packet. */
    ClientEnd connect() {
        return connect(null);
    }

    /** A client connects on {@code loop} (another client's, to share its pool shard), or on a new loop. */
    ClientEnd connect(EventLoop loop) {
        EmbeddedChannel channel = EmbeddedChannel.builder().ticker(ticker).register(loop == null)
                .handlers(clientChannels.newHandler(wiring.config().config().settings().maxPacketSize())).build();
        if (loop != null) {
            loop.register(channel).syncUninterruptibly();
        }
        ClientEnd client = new ClientEnd(channel);
        channel.pipeline().addFirst(client.writes);
        clients.add(client);
        client.send(PSQL.startup());
        return client;
    }

    /**
     * A client that is logged in: when the pool has no server yet, its first server is scripted through
     * its login with PostgreSQL's captured reply. Returns after the client got its welcome.
     */
    ClientEnd loggedInClient(EventLoop loop) {
        ClientEnd client = connect(loop);
        List<ScriptedServerChannel> opened = newServerChannels();
        if (!opened.isEmpty()) {
            ServerEnd server = serverEnd(opened.get(0));
            server.logIn();
        }
        String welcome = Wire.types(client.received());
        if (!welcome.matches("R.*KN?Z")) { // N: login_notify_message
            throw new AssertionError("no welcome for the client: " + welcome);
        }
        return client;
    }

    ClientEnd loggedInClient() {
        return loggedInClient(null);
    }

    /** The server connections the pool opened since the last call (each is finished at {@link #close()}). */
    List<ScriptedServerChannel> newServerChannels() {
        List<ScriptedServerChannel> made = new ArrayList<>(ScriptedServerChannel.takeMade());
        serverChannels.addAll(made);
        return made;
    }

    /** The one server connection opened since the last call, logged in with the captured reply. */
    ServerEnd loggedInNewServer() {
        List<ScriptedServerChannel> opened = newServerChannels();
        if (opened.size() != 1) {
            throw new AssertionError("expected one new server connection, the pool opened " + opened.size());
        }
        ServerEnd server = serverEnd(opened.get(0));
        server.logIn();
        return server;
    }

    private ServerEnd serverEnd(ScriptedServerChannel channel) {
        ServerEnd server = new ServerEnd(channel);
        servers.add(server);
        return server;
    }

    /** The server connections opened so far, oldest first. */
    List<ServerEnd> servers() {
        return servers;
    }

    /** The only pool: the client's database and user. */
    Pool pool() {
        return wiring.pools().all().iterator().next();
    }

    PoolSnapshot counts() {
        return pool().snapshot();
    }

    /** Runs what was posted to the loops (every channel here shares one of the clients' loops). */
    void runTasks() {
        for (int round = 0; round < 10; round++) {
            clients.forEach(c -> c.channel.runPendingTasks());
            if (clients.stream().noneMatch(c -> c.channel.hasPendingTasks())) {
                return;
            }
        }
    }

    @Override
    public void close() {
        clients.forEach(c -> c.channel.finishAndReleaseAll());
        newServerChannels();
        serverChannels.forEach(EmbeddedChannel::finishAndReleaseAll);
        runTasks();
        workers.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is no failure
        }
    }

    private static byte[] drain(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            buf.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** The client's end: what it sends goes through the pooler's client pipeline. */
    final class ClientEnd {
        final EmbeddedChannel channel;
        /** What the pooler wrote and flushed to this client, counted at the head of its pipeline. */
        final WriteCounter writes = new WriteCounter();

        ClientEnd(EmbeddedChannel channel) {
            this.channel = channel;
        }

        /** Sends {@code messages} in one read burst. */
        void send(byte[]... messages) {
            channel.writeInbound(Unpooled.wrappedBuffer(Wire.concat(Arrays.asList(messages))));
            runTasks();
        }

        /** The messages the pooler sent this client since the last call. */
        List<byte[]> received() {
            return Wire.frames(drain(channel));
        }

        /**
         * Arranges a step whose bytes the test does not check: sends {@code sql}, lets {@code server}
         * answer with {@code answer}, and drains what both ends were sent.
         */
        void ran(ServerEnd server, String sql, byte[]... answer) {
            send(Wire.query(sql));
            server.received();
            server.answer(answer);
            received();
        }

        EventLoop loop() {
            return channel.eventLoop();
        }
    }

    /** Counts the writes and flushes that reach the head of a pipeline, the ones the socket would see. */
    static final class WriteCounter extends ChannelOutboundHandlerAdapter {
        private int writes;
        private int flushes;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            writes++;
            ctx.write(msg, promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes++;
            ctx.flush();
        }

        int writes() {
            return writes;
        }

        int flushes() {
            return flushes;
        }
    }

    /** PostgreSQL's end of one server connection. */
    final class ServerEnd {
        final ScriptedServerChannel channel;
        private final Deque<byte[]> startup = new ArrayDeque<>();

        ServerEnd(ScriptedServerChannel channel) {
            this.channel = channel;
        }

        /** Reads the StartupMessage and answers as PostgreSQL did: AuthenticationOk, then the captured login reply. */
        void logIn() {
            byte[] packet = drain(channel);
            if (packet.length < 8 || packet[4] != 0 || packet[5] != 3) {
                throw new AssertionError("no protocol 3.0 StartupMessage from the pooler: " + packet.length + " bytes");
            }
            startup.add(packet);
            List<byte[]> reply = new ArrayList<>();
            reply.add(Wire.AUTHENTICATION_OK);
            reply.addAll(PSQL.loginReply());
            answer(reply);
        }

        /** The messages the pooler sent this server since the last call. */
        List<byte[]> received() {
            return Wire.frames(drain(channel));
        }

        /** PostgreSQL sends {@code messages} in one read burst. */
        void answer(List<byte[]> messages) {
            channel.writeInbound(Unpooled.wrappedBuffer(Wire.concat(messages)));
            runTasks();
        }

        void answer(byte[]... messages) {
            answer(Arrays.asList(messages));
        }
    }
}
