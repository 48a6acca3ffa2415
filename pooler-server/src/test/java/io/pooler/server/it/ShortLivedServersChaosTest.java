package io.pooler.server.it;

import org.junit.jupiter.api.Tag;

import java.util.Map;

/**
 * {@link ClientChaosUnderChurn} with the pool's timers at their shortest: servers live one second
 * (server_lifetime) and are closed after one idle second (server_idle_timeout) while min_pool_size
 * keeps one open, every reuse runs the check query first (server_check_delay = 0), and clients that
 * wait 50 ms get the reserve pool. So the janitor closes, tests and launches servers all the time,
 * on every loop, beside the releases, moves, cancels and deaths.
 */
@PoolerTest
@Tag("issue10")
class ShortLivedServersChaosTest extends ClientChaosUnderChurn {
    ShortLivedServersChaosTest(PoolerFixture pooler) throws Exception {
        super(pooler, Map.of("server_lifetime", "1", "server_idle_timeout", "1", "min_pool_size", "1",
                "server_check_delay", "0", "reserve_pool_size", "2", "reserve_pool_timeout", "0.05"));
    }
}
