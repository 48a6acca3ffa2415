package io.pooler.server.it;

import org.junit.jupiter.api.Tag;

import java.util.Map;

/**
 * {@link ClientChaosUnderChurn} in session pooling: each client keeps its server for its whole
 * connection, so a server goes back through the reset query (DISCARD ALL) when the client leaves,
 * and the deaths, cancels and console commands land on that path instead.
 */
@PoolerTest
@Tag("issue10")
class SessionClientChaosUnderChurnTest extends ClientChaosUnderChurn {
    SessionClientChaosUnderChurnTest(PoolerFixture pooler) throws Exception {
        super(pooler, Map.of("pool_mode", "session"));
    }
}
