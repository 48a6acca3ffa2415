package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

import java.sql.SQLException;
import java.util.List;

import static io.pooler.server.it.TestRoles.SCRAM_USER;

/**
 * {@link ServerDeathsUnderChurn} with TLS between Pooler and PostgreSQL (server_tls_sslmode = require):
 * a session killed during the server login's TLS handshake, between two TLS records or while its
 * close_notify is on the way, hurts only its own client, and the pool comes back.
 */
@PoolerTest
@Tag("issue10")
class ServerTlsDeathsUnderChurnTest extends ServerDeathsUnderChurn {

    ServerTlsDeathsUnderChurnTest(PoolerFixture pooler) throws Exception {
        super(ChurnChaos.churnPooler(pooler, EVENT_LOOPS, POOL_SIZE).set("server_tls_sslmode", "require").start(),
                new ChurnChaos(pooler, STEP_DEADLINE));
    }

    @BeforeAll
    static void postgresWithTls(PostgresInstance pg) throws Exception {
        pg.enableTls(TlsFiles.get().postgres.certificatePem(), TlsFiles.get().postgres.privateKeyPem());
    }

    @AfterAll
    static void postgresWithoutTls(PostgresInstance pg) throws Exception {
        pg.disableTls();
    }

    @Override
    List<String> killedUsers() {
        return List.of(SCRAM_USER);
    }

    @Override
    boolean mayBeTold(SQLException e) {
        return ChurnChaos.serverDied(e);
    }

    @Override
    void assertPoolsComeBack() throws Exception {
        chaos.assertPoolComesBack(POOL_SIZE);
    }
}
