package io.pooler.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.pooler.config.PoolMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a shard's tasks reach its loop, on a loop that sleeps in the kernel as the daemon's do (NIO's
 * select here; io_uring and epoll wait the same way), which {@link PoolShardTest}'s plain loops do not.
 */
class PoolShardPostTest {
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    }

    private PoolShard shard() {
        PoolSettings settings = new PoolSettings(PoolMode.TRANSACTION, 2, 0, 0, Duration.ofSeconds(5), 0,
                0, Duration.ZERO, Duration.ofHours(1), Duration.ofSeconds(15), Duration.ofSeconds(2),
                Duration.ofSeconds(30), true, false);
        Pool pool = new Pool(new PoolKey("db", "user"), settings, (p, l) -> new RecordingServer(p, l, "S"),
                new PoolLimits(new ConnectionCounter(), new ConnectionCounter(), p -> false, p -> false), System::nanoTime);
        return pool.shard(loop);
    }

    @Test
    void aTaskPostedWithoutWakeUpWaitsForTheLoopsOwnNextWakeUp() throws Exception {
        PoolShard shard = shard();
        loop.submit(() -> { }).sync(); // the loop has started
        // NOTE: a loop that has just run a task looks at its queue once more before it sleeps, and would
        // take a task posted meanwhile without being woken; this leaves it the time to fall asleep
        // (nothing to do, no timer).
        Thread.sleep(200);

        CountDownLatch ran = new CountDownLatch(1);
        shard.postWithoutWakeUp(ran::countDown);

        assertFalse(ran.await(300, TimeUnit.MILLISECONDS), "the sleeping loop was woken for it");
        loop.execute(() -> { }); // the loop wakes for something of its own: a socket, a timer
        assertTrue(ran.await(5, TimeUnit.SECONDS), "the task did not run at the loop's next wake-up");
    }

    @Test
    void aTaskPostedNormallyWakesTheLoop() throws Exception {
        PoolShard shard = shard();
        loop.submit(() -> { }).sync();

        CountDownLatch ran = new CountDownLatch(1);
        shard.post(ran::countDown);

        assertTrue(ran.await(5, TimeUnit.SECONDS));
    }
}
