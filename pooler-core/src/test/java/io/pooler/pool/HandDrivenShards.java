package io.pooler.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.pooler.config.PoolMode;
import io.pooler.protocol.ErrorResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Two pool shards on one thread, with time moved by hand: each shard's loop is the event loop of an
 * {@link EmbeddedChannel}, which runs only when {@link #settle()} tells it to, and the pool's clock is
 * Netty's {@link MockTicker}, shared by both loops, which moves only in {@link #advance}. A task one
 * shard posts to the other (a donation request, a slot given) waits in the other loop's queue until
 * the test settles, so the test sees every step of a cross-loop exchange in order.
 *
 * <p>NOTE: an embedded loop says every thread is its own, so the shards' {@code inEventLoop()} checks
 * always pass here; {@link PoolShardTest} covers them on real loops.
 */
final class HandDrivenShards implements AutoCloseable {
    static final Map<String, String> PARAMETERS = Map.of("server_version", "17.0");

    final MockTicker ticker = Ticker.newMockTicker();
    final EmbeddedChannel channelA = EmbeddedChannel.builder().ticker(ticker).build();
    final EmbeddedChannel channelB = EmbeddedChannel.builder().ticker(ticker).build();
    final EventLoop loopA = channelA.eventLoop();
    final EventLoop loopB = channelB.eventLoop();
    /** Every server the pool launched, in order, on either shard. */
    final List<RecordingServer> launched = new ArrayList<>();
    final ConnectionCounter dbServers = new ConnectionCounter();
    final ConnectionCounter userServers = new ConnectionCounter();
    final Pool pool;

    HandDrivenShards(Settings settings) {
        ServerFactory factory = new ServerFactory() {
            @Override
            public PooledServer newServer(Pool p, EventLoop loop) {
                RecordingServer server = new RecordingServer(p, loop, "S" + launched.size(), settings.serversMove);
                launched.add(server);
                return server;
            }

            @Override
            public boolean serversCanMove() {
                return settings.serversMove;
            }
        };
        pool = new Pool(new PoolKey("db", "user"), settings.build(), factory,
                new PoolLimits(dbServers, userServers, p -> false, p -> false), ticker::nanoTime);
    }

    /** Moves the pool's clock; nothing runs until the test calls a shard or {@link #settle()}. */
    void advance(Duration by) {
        ticker.advance(by.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs the tasks the shards posted to themselves and to each other until none is left. */
    void settle() {
        for (int round = 0; round < 100; round++) {
            channelA.runPendingTasks();
            channelB.runPendingTasks();
            if (!channelA.hasPendingTasks() && !channelB.hasPendingTasks()) {
                return;
            }
        }
        throw new AssertionError("the shards still post tasks to each other after 100 rounds");
    }

    PoolShard shardA() {
        return pool.shard(loopA);
    }

    PoolShard shardB() {
        return pool.shard(loopB);
    }

    /** One janitor round on each shard that exists, then whatever they posted. */
    void janitor() {
        for (PoolShard shard : pool.shards()) {
            shard.janitor();
        }
        settle();
    }

    /** A client logs in on {@code loop}; when the pool has no server yet its first one logs in too. */
    RecordingClient loggedInClient(EventLoop loop) {
        RecordingClient client = new RecordingClient(loop);
        pool.clientLogin(client);
        settle();
        if (client.welcomed == 0) {
            RecordingServer first = launched.get(launched.size() - 1);
            pool.serverLoggedIn(first, PARAMETERS);
            settle();
        }
        if (client.welcomed != 1) {
            throw new AssertionError("the client was not welcomed");
        }
        return client;
    }

    /** The most recent launch logs in (it then goes to a waiting client, or to the idle list). */
    RecordingServer logInLastLaunched() {
        RecordingServer server = launched.get(launched.size() - 1);
        pool.serverLoggedIn(server, PARAMETERS);
        settle();
        return server;
    }

    PoolSnapshot counts() {
        return pool.snapshot();
    }

    @Override
    public void close() {
        channelA.finishAndReleaseAll();
        channelB.finishAndReleaseAll();
    }

    /** The pool's settings, PgBouncer's defaults where a test does not say otherwise. */
    static final class Settings {
        int poolSize = 2;
        int minPoolSize;
        int reservePoolSize;
        Duration reservePoolTimeout = Duration.ofSeconds(5);
        Duration serverIdleTimeout = Duration.ofSeconds(600);
        Duration serverLifetime = Duration.ofSeconds(3600);
        Duration serverLoginRetry = Duration.ofSeconds(15);
        Duration queryWaitTimeout = Duration.ofSeconds(120);
        Duration serverCheckDelay = Duration.ofSeconds(30);
        /** Not a pool setting: whether servers move between loops, as the daemon's do, or are closed and relaunched. */
        boolean serversMove;

        Settings poolSize(int n) {
            poolSize = n;
            return this;
        }

        Settings minPoolSize(int n) {
            minPoolSize = n;
            return this;
        }

        Settings reservePool(int n, Duration after) {
            reservePoolSize = n;
            reservePoolTimeout = after;
            return this;
        }

        Settings serverIdleTimeout(Duration d) {
            serverIdleTimeout = d;
            return this;
        }

        Settings serverLifetime(Duration d) {
            serverLifetime = d;
            return this;
        }

        Settings queryWaitTimeout(Duration d) {
            queryWaitTimeout = d;
            return this;
        }

        Settings serversMove() {
            serversMove = true;
            return this;
        }

        Settings serverCheckDelay(Duration d) {
            serverCheckDelay = d;
            return this;
        }

        PoolSettings build() {
            return new PoolSettings(PoolMode.TRANSACTION, poolSize, minPoolSize, reservePoolSize, reservePoolTimeout, 0, 0,
                    serverIdleTimeout, serverLifetime, serverLoginRetry, queryWaitTimeout, serverCheckDelay, true, false);
        }
    }
}
