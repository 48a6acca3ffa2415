package io.pooler.server.it;

import org.junit.jupiter.api.Tag;

/**
 * {@link ServerDeathsUnderChurn} with TLS between Pooler and PostgreSQL (server_tls_sslmode = require):
 * a session killed during the server login's TLS handshake, between two TLS records or while its
 * close_notify is on the way, hurts only its own client, and the pool comes back.
 */
@PoolerTest
@Tag("issue10")
class ServerTlsDeathsUnderChurnTest extends ServerDeathsUnderChurn implements PostgresWithTls {

    ServerTlsDeathsUnderChurnTest(PoolerFixture pooler) throws Exception {
        super(ChurnChaos.churnPooler(pooler, EVENT_LOOPS, POOL_SIZE).set("server_tls_sslmode", "require").start(),
                new ChurnChaos(pooler, STEP_DEADLINE));
    }
}
