package io.pooler.server.tls;

import io.pooler.testing.TestCertificates;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.util.Base64;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keys and certificates in the PEM forms openssl writes; errors that never show a file's content. */
class PemFilesTest {
    /** The named curve P-256 (secp256r1). */
    private static final ASN1ObjectIdentifier P256 = new ASN1ObjectIdentifier("1.2.840.10045.3.1.7");

    @TempDir
    Path dir;

    @Test
    void readsPkcs8RsaKeys() throws Exception {
        TestCertificates.Issued issued = TestCertificates.authority("pkcs8");
        Path file = issued.writePrivateKey(dir.resolve("key.pem"));

        assertArrayEquals(issued.privateKey().getEncoded(), PemFiles.privateKey("k", file).getEncoded());
    }

    @Test
    void readsPkcs1RsaKeys() throws Exception {
        PrivateKey key = TestCertificates.authority("pkcs1").privateKey();
        String pem = traditionalPem(key);
        assertTrue(pem.startsWith("-----BEGIN RSA PRIVATE KEY-----"), pem.lines().findFirst().orElse(""));

        PrivateKey read = PemFiles.privateKey("k", Files.writeString(dir.resolve("rsa.key"), pem));

        assertArrayEquals(key.getEncoded(), read.getEncoded());
    }

    @Test
    void readsSec1EcKeysAsOpensslWritesThem() throws Exception {
        ECPrivateKey key = ecKey();
        // openssl's "EC PRIVATE KEY": RFC 5915 ECPrivateKey with the curve in [0] parameters.
        byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS(), P256).getEncoded();

        PrivateKey read = PemFiles.privateKey("k", Files.writeString(dir.resolve("ec.key"), pem("EC PRIVATE KEY", sec1)));

        assertEquals("EC", read.getAlgorithm());
        assertEquals(key.getS(), ((ECPrivateKey) read).getS());
    }

    @Test
    void readsSec1EcKeysWhoseCurveIsInAnEcParametersBlock() throws Exception {
        ECPrivateKey key = ecKey();
        byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS()).getEncoded();
        String text = pem("EC PARAMETERS", P256.getEncoded()) + pem("EC PRIVATE KEY", sec1);

        PrivateKey read = PemFiles.privateKey("k", Files.writeString(dir.resolve("ec.key"), text));

        assertEquals(key.getS(), ((ECPrivateKey) read).getS());
        Path noCurve = Files.writeString(dir.resolve("nocurve.key"), pem("EC PRIVATE KEY", sec1));
        assertThrows(TlsConfigException.class, () -> PemFiles.privateKey("k", noCurve));
    }

    @Test
    void encryptedKeysAreRefusedWithoutShowingThem() throws Exception {
        Path pkcs8 = Files.writeString(dir.resolve("enc.key"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nU0VDUkVUU0VDUkVU\n-----END ENCRYPTED PRIVATE KEY-----\n");
        Path legacy = Files.writeString(dir.resolve("legacy.key"), "-----BEGIN RSA PRIVATE KEY-----\n"
                + "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0011\n\nU0VDUkVUU0VDUkVU\n-----END RSA PRIVATE KEY-----\n");

        for (Path file : List.of(pkcs8, legacy)) {
            TlsConfigException e = assertThrows(TlsConfigException.class, () -> PemFiles.privateKey("client_tls_key_file", file));
            assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
            assertFalse(e.getMessage().contains("U0VDUkVU"), e.getMessage());
        }
    }

    @Test
    void aBrokenKeyIsNamedButNotShown() throws Exception {
        Path file = Files.writeString(dir.resolve("broken.key"),
                "-----BEGIN PRIVATE KEY-----\nTOPSECRETTOPSECRETTOPSECRET\n-----END PRIVATE KEY-----\n");

        TlsConfigException e = assertThrows(TlsConfigException.class, () -> PemFiles.privateKey("client_tls_key_file", file));

        assertTrue(e.getMessage().contains("client_tls_key_file " + file), e.getMessage());
        assertFalse(e.getMessage().contains("TOPSECRET"), e.getMessage());
        assertEquals(null, e.getCause());
    }

    @Test
    void aFileWithoutAKeyOrACertificateIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("empty.pem"), "nothing here\n");

        assertThrows(TlsConfigException.class, () -> PemFiles.privateKey("k", file));
        assertThrows(TlsConfigException.class, () -> PemFiles.certificates("c", file));
        assertThrows(TlsConfigException.class, () -> PemFiles.certificates("c", dir.resolve("missing.pem")));
    }

    @Test
    void readsACertificateChainInOrder() throws Exception {
        TestCertificates.Issued ca = TestCertificates.authority("chain CA");
        TestCertificates.Issued leaf = TestCertificates.server(ca, "leaf", List.of("localhost"), List.of());
        Path file = Files.writeString(dir.resolve("chain.pem"), leaf.certificatePem() + ca.certificatePem());

        assertEquals(List.of(leaf.certificate(), ca.certificate()), PemFiles.certificates("c", file));
    }

    private static ECPrivateKey ecKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return (ECPrivateKey) generator.generateKeyPair().getPrivate();
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder().encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /** What BouncyCastle (like openssl before 3.0) writes for an RSA key object: PKCS#1. */
    private static String traditionalPem(PrivateKey key) throws Exception {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(key);
        }
        return text.toString();
    }
}
