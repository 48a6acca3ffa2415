package io.pooler.server.it;

import org.junit.jupiter.api.Tag;

import java.util.Map;

/**
 * {@link ClientChaosUnderChurn} with max_db_connections = 3 and max_user_connections = 5 below the
 * pool sizes RELOAD cycles through (2 to 6): the limits the four event loops share as atomic counters
 * bind most of the time, and SHOW SERVERS, sampled every 20 ms, never lists more than 3 servers, while
 * servers die, are launched, moved between loops and closed as close-needed.
 */
@PoolerTest
@Tag("issue10")
class SharedLimitsChaosTest extends ClientChaosUnderChurn {
    SharedLimitsChaosTest(PoolerFixture pooler) throws Exception {
        super(pooler, Map.of("max_db_connections", "3", "max_user_connections", "5"));
    }
}
