package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * A test class that implements this runs with TLS on in the shared test PostgreSQL (ssl = on, the
 * certificate of {@link TlsFiles}, which names "localhost" only), and off again after its last test.
 */
interface PostgresWithTls {

    @BeforeAll
    static void postgresWithTls(PostgresInstance pg) throws Exception {
        pg.enableTls(TlsFiles.get().postgres.certificatePem(), TlsFiles.get().postgres.privateKeyPem());
    }

    @AfterAll
    static void postgresWithoutTls(PostgresInstance pg) throws Exception {
        pg.disableTls();
    }
}
