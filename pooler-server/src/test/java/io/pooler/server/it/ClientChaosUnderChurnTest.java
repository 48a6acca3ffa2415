package io.pooler.server.it;

import org.junit.jupiter.api.Tag;

import java.util.Map;

/** {@link ClientChaosUnderChurn} in transaction pooling with the default timers. */
@PoolerTest
@Tag("issue10")
class ClientChaosUnderChurnTest extends ClientChaosUnderChurn {
    ClientChaosUnderChurnTest(PoolerFixture pooler) throws Exception {
        super(pooler, Map.of());
    }
}
