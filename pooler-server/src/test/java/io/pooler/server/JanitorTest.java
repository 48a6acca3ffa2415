package io.pooler.server;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.server.net.Transport;
import io.pooler.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The janitor runs as one periodic task, and a periodic task that throws is never run again: every
 * timeout, lifetime and min_pool_size of the process would stop. So a round that fails must not end the
 * rounds after it.
 */
class JanitorTest {
    @Test
    void aRoundThatThrowsDoesNotStopTheRoundsAfterIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("pooler.ini"), """
                [databases]
                appdb = host=127.0.0.1 port=5432

                [pgbouncer]
                listen_addr = 127.0.0.1
                unix_socket_dir =
                auth_type = trust
                auth_file = userlist.txt
                """);
        Files.writeString(dir.resolve("userlist.txt"), "\"app\" \"\"\n");
        RuntimeConfig config = RuntimeConfigLoader.load(dir.resolve("pooler.ini")).config();
        EventLoopGroup loops = new DefaultEventLoopGroup(1);
        try {
            PoolerWiring wiring = new PoolerWiring(config, Transport.withoutIoUring(), loops);
            // The config is the first thing a round reads: the first round fails there, the others do not.
            AtomicInteger reads = new AtomicInteger();
            Supplier<RuntimeConfig> failingOnce = () -> {
                if (reads.getAndIncrement() == 0) {
                    throw new IllegalStateException("a fault in the janitor's first round (on purpose)");
                }
                return wiring.config();
            };
            Janitor janitor = new Janitor(failingOnce, wiring.shutdown, wiring.pools, wiring.poolMaker, loops);
            ScheduledFuture<?> rounds = loops.next().scheduleAtFixedRate(janitor, 10, 10, TimeUnit.MILLISECONDS);

            try {
                Await.until(Duration.ofSeconds(5), () -> reads.get() >= 5,
                        "rounds after the one that failed (one every 10 ms was due)");
            } finally {
                rounds.cancel(false);
            }
        } finally {
            loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }
}
