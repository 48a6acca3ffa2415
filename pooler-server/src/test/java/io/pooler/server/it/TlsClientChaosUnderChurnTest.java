package io.pooler.server.it;

import org.junit.jupiter.api.Tag;

import java.util.Map;

/**
 * {@link ClientChaosUnderChurn} with every churning client on TLS (client_tls_sslmode = require): the
 * abandoned and cancelled queries, the kills and the console's KILL_CLIENT now end connections in the
 * middle of TLS records and handshakes, where the TLS handler holds buffers of its own.
 */
@PoolerTest
@Tag("issue10")
class TlsClientChaosUnderChurnTest extends ClientChaosUnderChurn {
    TlsClientChaosUnderChurnTest(PoolerFixture pooler) throws Exception {
        super(pooler, Map.of("client_tls_sslmode", "require",
                "client_tls_key_file", TlsFiles.get().poolerKey.toString(),
                "client_tls_cert_file", TlsFiles.get().poolerCert.toString()), TlsClients.sslmode("require"), 200);
    }
}
