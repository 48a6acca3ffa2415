package io.pooler.server.it;

import io.pooler.testing.TestCertificates;
import io.pooler.testing.TestCertificates.Issued;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The certificates of the TLS tests, made once per JVM (RSA keys take a moment): a CA and a stranger CA,
 * the pooler's certificate (localhost and 127.0.0.1), PostgreSQL's (localhost only, so that connecting to
 * 127.0.0.1 under verify-full is a host name mismatch), client certificates for the SCRAM test user, and one
 * the pooler presents to PostgreSQL for a role admitted by certificate only.
 */
final class TlsFiles {
    private static TlsFiles instance;

    final Path dir;
    final Path caCert;
    final Path otherCaCert;
    final Path poolerCert;
    final Path poolerKey;
    /** PEM texts for {@code PostgresInstance.enableTls}. */
    final Issued postgres;
    final Path postgresCert;
    final Path postgresKey;
    /** CN = it_scram, signed by the CA; its key in PKCS#8 DER for PgJDBC's sslkey. */
    final Path clientCert;
    final Path clientKeyDer;
    /** The same key as PEM, for libpq. */
    final Path clientKeyPem;
    /** CN = it_scram too, but signed by the stranger CA. */
    final Path strangerCert;
    final Path strangerKeyDer;
    /** CN = {@link TestRoles#CERT_USER}, signed by the CA, with its PEM key: server_tls_cert_file and key_file. */
    final Path certUserCert;
    final Path certUserKeyPem;

    private TlsFiles() throws IOException {
        dir = Files.createTempDirectory("pooler-tls-");
        Issued ca = TestCertificates.authority("Pooler test CA");
        Issued otherCa = TestCertificates.authority("Somebody else's CA");
        Issued pooler = TestCertificates.server(ca, "pooler", List.of("localhost"), List.of("127.0.0.1"));
        postgres = TestCertificates.server(ca, "postgres", List.of("localhost"), List.of());
        Issued client = TestCertificates.client(ca, TestRoles.SCRAM_USER);
        Issued stranger = TestCertificates.client(otherCa, TestRoles.SCRAM_USER);
        Issued certUser = TestCertificates.client(ca, TestRoles.CERT_USER);
        caCert = ca.writeCertificate(dir.resolve("ca.crt"));
        otherCaCert = otherCa.writeCertificate(dir.resolve("other-ca.crt"));
        poolerCert = pooler.writeCertificate(dir.resolve("pooler.crt"));
        poolerKey = pooler.writePrivateKey(dir.resolve("pooler.key"));
        postgresCert = postgres.writeCertificate(dir.resolve("postgres.crt"));
        postgresKey = postgres.writePrivateKey(dir.resolve("postgres.key"));
        clientCert = client.writeCertificate(dir.resolve("client.crt"));
        clientKeyDer = client.writePrivateKeyDer(dir.resolve("client.pk8"));
        clientKeyPem = client.writePrivateKey(dir.resolve("client.key"));
        strangerCert = stranger.writeCertificate(dir.resolve("stranger.crt"));
        strangerKeyDer = stranger.writePrivateKeyDer(dir.resolve("stranger.pk8"));
        certUserCert = certUser.writeCertificate(dir.resolve("cert-user.crt"));
        certUserKeyPem = certUser.writePrivateKey(dir.resolve("cert-user.key"));
    }

    static synchronized TlsFiles get() {
        if (instance == null) {
            try {
                instance = new TlsFiles();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }
}
