package io.pooler.server.dns;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.pooler.config.Settings;
import io.pooler.server.RuntimeConfigLoader;
import io.pooler.testing.Await;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The zone check (dns_zone_check_period) runs on a periodic task of the cache's loop, and a periodic task
 * that throws is never run again: the zones would silently stop being checked. So a tick that fails
 * must not end the ticks after it.
 */
class DnsCacheZoneTickTest {
    @Test
    void aZoneTickThatThrowsDoesNotStopTheTicksAfterIt() throws Exception {
        Settings settings = RuntimeConfigLoader.load(Path.of("../conf/odoo/pooler.ini")).config().config().settings();
        // The settings are the first thing a tick reads: the first tick fails there, the others do not.
        AtomicInteger reads = new AtomicInteger();
        Supplier<Settings> failingOnce = () -> {
            if (reads.getAndIncrement() == 0) {
                throw new IllegalStateException("a fault in the first zone tick (on purpose)");
            }
            return settings;
        };
        EventLoop loop = new DefaultEventLoop();
        try {
            DnsCache cache = new DnsCache(loop, () -> {
                throw new AssertionError("no lookup in this test");
            }, failingOnce, (host, address) -> { });
            try {
                Await.until(Duration.ofSeconds(10), () -> reads.get() >= 3,
                        "zone ticks after the one that failed (one a second was due)");
            } finally {
                cache.close();
            }
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }
}
